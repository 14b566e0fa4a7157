using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// The service as an operator runs it: its own OS process, configured by environment variables,
/// listening on a loopback port. Used where a test host will not do: crashes (SIGKILL), several
/// instances on one database, and provider webhooks arriving over real HTTP.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, int? port = null)
    {
        // A port picked free can be taken by another test before the service binds it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var chosen = port ?? FreePort();
            try
            {
                return await StartOnceAsync(environment, chosen);
            }
            catch (InvalidOperationException ex) when (port is null && attempt < 4 && ex.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                // Try another port.
            }
        }
    }

    private static async Task<ServiceProcess> StartOnceAsync(IReadOnlyDictionary<string, string?> environment, int? port)
    {
        var start = new ProcessStartInfo("dotnet", [ServiceAssembly()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["SERVICE_PORT"] = port!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Loopback only: tests never listen on other interfaces.
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.Value}";
        start.Environment["ORCHESTRATOR_ADMIN_TOKEN"] = OrchestratorFactory.AdminToken;
        start.Environment["LOG_LEVEL"] = "info";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, port.Value);
        await service.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return service;
    }

    public HttpClient CreateClient(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a container; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        }

        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"The service did not stop within {timeout}.\n{Tail()}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The log lines at error level or above (the service logs JSON to its console).</summary>
    public List<string> ErrorLines() =>
        [.. Output.Split('\n').Where(line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal))];

    public string Tail(int lines = 40) => string.Join('\n', Output.Split('\n').TakeLast(lines));

    /// <summary>Creates a workspace with one agent and one number; returns its key.</summary>
    public async Task<string> CreateWorkspaceAsync(string agentId = "agent_test", string phoneNumberId = "phnum_test", int? concurrencyLimit = null)
    {
        using var admin = CreateClient(OrchestratorFactory.AdminToken);
        var created = await admin.PostAsJsonAsync("admin/workspaces", new { name = "Acme", concurrencyLimit });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        using var client = CreateClient(key);
        (await client.PostAsJsonAsync("phone-numbers", new { phoneNumberId, phoneNumber = "+15550001111", provider = "twilio" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("agents", new { agentId, phoneNumberIds = new[] { phoneNumberId } })).EnsureSuccessStatusCode();
        return key;
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode} while starting.\n{Tail()}");
            }

            try
            {
                using var response = await client.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The service was not ready within {timeout}.\n{Tail()}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Bounded: a long run logs a lot, and only the tail helps when something fails.
            if (_output.Length > 2_000_000)
            {
                _output.Remove(0, 1_000_000);
            }

            _output.AppendLine(line);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The service built alongside these tests, in the same configuration.</summary>
    internal static string ServiceAssembly()
    {
        var testDirectory = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
        var root = new DirectoryInfo(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "VoiceOrchestrator.slnx")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException("Cannot find the repository root (VoiceOrchestrator.slnx) above " + testDirectory);
        }

        var path = Path.Combine(root.FullName, "src", "VoiceOrchestrator", "bin", configuration, "net10.0", "VoiceOrchestrator.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the service first: " + path);
    }
}
