using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>
/// The standalone provider emulator (<c>dotnet VoiceOrchestrator.Simulator.dll --urls http://127.0.0.1:PORT</c>)
/// configured by <c>SIM_*</c> variables, with its output in a log file. Disposing kills it.
/// </summary>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOTNET_ROOT"];

    private readonly Process _process;
    private readonly string _directory;
    private readonly Reaper _reaper;
    private readonly ServiceProcess.LineLog _log;
    private readonly HttpClient _http;
    private int _disposed;

    private EmulatorProcess(Process process, string directory, int port, Reaper reaper, ServiceProcess.LineLog log)
    {
        _process = process;
        _directory = directory;
        _reaper = reaper;
        _log = log;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
    }

    public Uri BaseAddress { get; }

    public static string DefaultAssembly => Path.Combine(
        BenchOptions.RepositoryRoot, "src", "VoiceOrchestrator.Simulator", "bin", BenchOptions.BuildConfiguration, "net10.0", "VoiceOrchestrator.Simulator.dll");

    private string LogFile => Path.Combine(_directory, "emulator.log");

    public static async Task<EmulatorProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var assembly = DefaultAssembly;
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"The emulator build output {assembly} does not exist. Build it first (dotnet build -c Release src/VoiceOrchestrator.Simulator).");
        }

        var directory = TempDirectory.Create("vo-bench-emulator");
        var port = FreePort.Next();
        var startInfo = new ProcessStartInfo(ServiceProcess.DotnetHost())
        {
            UseShellExecute = false,
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        startInfo.ArgumentList.Add(assembly);
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add($"http://127.0.0.1:{port}");
        startInfo.Environment.Clear();
        foreach (var name in InheritedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                startInfo.Environment[name] = value;
            }
        }

        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in settings)
        {
            startInfo.Environment[name] = value;
        }

        var (process, log) = ServiceProcess.StartLogged(startInfo, directory, "emulator.log");
        var emulator = new EmulatorProcess(process, directory, port, Reaper.Arm($"kill -9 {process.Id}\nrm -rf {ProcessRunner.ShellQuote(directory)}"), log);
        try
        {
            await emulator.WaitReadyAsync(cancellationToken);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>GET /_sim/stats.</summary>
    public async Task<EmulatorStats> StatsAsync(CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync("_sim/stats", cancellationToken);
        var json = JsonNode.Parse(text) ?? throw new InvalidOperationException("GET /_sim/stats answered an empty body.");
        return new EmulatorStats(
            Long(json, "activeCalls"), Long(json, "maxConcurrency"), Long(json, "acceptedDials"), Long(json, "completed"), Long(json, "webhooksSent"));
    }

    /// <summary>
    /// GET /_sim/conversations: for each conversation the emulator holds, the <c>user_id</c> its dial sent (the service's
    /// call id), when the dial was accepted and when the conversation ended.
    /// </summary>
    public async Task<List<(string? UserId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt)>> ConversationTimesAsync(int limit, CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync($"_sim/conversations?limit={limit}", cancellationToken);
        var json = JsonNode.Parse(text) as JsonArray ?? throw new InvalidOperationException("GET /_sim/conversations answered no array.");
        return [.. json.Select(c => (
            c!["request"]?["conversation_initiation_client_data"]?["user_id"] is JsonValue user ? user.GetValue<string>() : null,
            c["startedAt"]!.GetValue<DateTimeOffset>(),
            c["endedAt"] is JsonValue ended ? ended.GetValue<DateTimeOffset>() : (DateTimeOffset?)null))];
    }

    public string LogTail(int lines = 20)
    {
        try
        {
            return File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "(no emulator log)";
        }
        catch (IOException e)
        {
            return $"(emulator log unreadable: {e.Message})";
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _http.Dispose();
        ProcessRunner.Kill(_process);
        try
        {
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
        _reaper.Dispose();
        _log.Dispose();
        TempDirectory.TryDelete(_directory);
        return ValueTask.CompletedTask;
    }

    private static long Long(JsonNode json, string name) =>
        json[name] is { } value ? value.GetValue<long>() : throw new InvalidOperationException($"GET /_sim/stats has no '{name}'.");

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var last = "no answer yet";
        while (started.Elapsed < ReadyTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The emulator exited with code {_process.ExitCode} before it was ready.\n--- {LogFile} ---\n{LogTail()}");
            }

            try
            {
                using var response = await _http.GetAsync("_sim/stats", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"GET /_sim/stats was not 200 within {ReadyTimeout.TotalSeconds:0} s (last: {last}).\n--- {LogFile} ---\n{LogTail()}");
    }
}

internal sealed record EmulatorStats(long ActiveCalls, long MaxConcurrency, long AcceptedDials, long Completed, long WebhooksSent);
