using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>
/// The real service, started from its build output as a separate process (<c>dotnet VoiceOrchestrator.dll</c>),
/// listening on 127.0.0.1 only, with its output in a log file. Disposing stops it (SIGTERM, then kill).
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    public const string AdminToken = "bench-admin";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The only variables passed on from the caller's environment: what a process needs to run, none of
    /// the service's settings (an inherited DATABASE_URL or MAX_BULK_CALLS would change what is measured).
    /// </summary>
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOTNET_ROOT"];

    private readonly Process _process;
    private readonly string _directory;
    private readonly Reaper _reaper;
    private readonly LineLog _log;
    private int _disposed;

    private ServiceProcess(Process process, string directory, int port, Reaper reaper, LineLog log)
    {
        _process = process;
        _directory = directory;
        _reaper = reaper;
        _log = log;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri BaseAddress { get; }

    /// <summary>When set, the service log is copied to this file when the service stops (before its directory is deleted).</summary>
    public string? KeepLogAs { get; set; }

    public int ProcessId => _process.Id;

    private string LogFile => Path.Combine(_directory, "service.log");

    /// <summary>The service's log so far (JSON lines, with whatever else it wrote to stdout and stderr).</summary>
    public IEnumerable<string> LogLines() => File.ReadLines(LogFile);

    /// <summary>
    /// The environment of a bench run: the given database, a provider URL that answers nothing
    /// (127.0.0.1:9, so not demo mode and nothing is dialed for real), warnings-only logs.
    /// <paramref name="extra"/> overrides or adds (e.g. the emulator's URL for dispatch scenarios, or
    /// <c>--service-env</c> values).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string serviceAssembly, string databaseUrl, IReadOnlyDictionary<string, string>? extra, CancellationToken cancellationToken, int? fixedPort = null)
    {
        if (!File.Exists(serviceAssembly))
        {
            throw new FileNotFoundException(
                $"The service build output {serviceAssembly} does not exist. Build it first (dotnet build -c Release src/VoiceOrchestrator) or pass --service PATH.");
        }

        var directory = TempDirectory.Create("vo-bench-service");
        // A caller that must tell another process the service's address before it starts (the provider emulator's webhook URL) picks the port.
        var port = fixedPort ?? FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["SERVICE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            // SERVICE_PORT alone binds 0.0.0.0; the bench keeps everything on loopback.
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DATABASE_URL"] = databaseUrl,
            ["ORCHESTRATOR_ADMIN_TOKEN"] = AdminToken,
            ["ELEVENLABS_API_KEY"] = "bench",
            ["ELEVENLABS_BASE_URL"] = "http://127.0.0.1:9",
            ["LOG_LEVEL"] = "warn",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        startInfo.ArgumentList.Add(serviceAssembly);
        startInfo.Environment.Clear();
        foreach (var name in InheritedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                startInfo.Environment[name] = value;
            }
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var (process, log) = StartLogged(startInfo, directory, "service.log");

        var service = new ServiceProcess(process, directory, port, Reaper.Arm($"kill -9 {process.Id}\nrm -rf {ProcessRunner.ShellQuote(directory)}"), log);
        try
        {
            await service.WaitReadyAsync(cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a process with its output and errors going line by line to a log in its directory; if it
    /// cannot start, the log and the directory are removed again.
    /// </summary>
    internal static (Process Process, LineLog Log) StartLogged(ProcessStartInfo startInfo, string directory, string logName)
    {
        var log = new LineLog(Path.Combine(directory, logName));
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => log.Write(e.Data);
        process.ErrorDataReceived += (_, e) => log.Write(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            log.Dispose();
            process.Dispose();
            TempDirectory.TryDelete(directory);
            throw;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, log);
    }

    /// <summary>CPU time (user + system) the service process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Peak resident memory (VmHWM) of the service process, in bytes; null where /proc is missing.</summary>
    public long? PeakResidentBytes
    {
        get
        {
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    public string LogTail(int lines = 40)
    {
        try
        {
            return File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)) : "(no service log)";
        }
        catch (IOException e)
        {
            return $"(service log unreadable: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                // Graceful first (SIGTERM lets the host shut down), then hard.
                await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
                using var limit = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    ProcessRunner.Kill(_process);
                }
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException or InvalidOperationException)
        {
            ProcessRunner.Kill(_process);
        }

        _process.Dispose();
        _reaper.Dispose();
        _log.Dispose();
        if (KeepLogAs is not null && File.Exists(LogFile))
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(KeepLogAs))!);
                File.Copy(LogFile, KeepLogAs, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"warning: could not keep the service log as {KeepLogAs}: {e.Message}");
            }
        }

        TempDirectory.TryDelete(_directory);
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.StartNew();
        string last = "no answer yet";
        while (started.Elapsed < ReadyTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode} before it was ready.\n--- {LogFile} ---\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"GET /health/ready was not 200 within {ReadyTimeout.TotalSeconds:0} s (last: {last}).\n--- {LogFile} ---\n{LogTail()}");
    }

    /// <summary>The dotnet host running this bench (DOTNET_HOST_PATH is set by the SDK), else dotnet on PATH.</summary>
    internal static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return ProcessRunner.FindOnPath("dotnet") ?? "dotnet";
    }

    /// <summary>The service's stdout and stderr, line by line, into one file; lines after disposal are dropped.</summary>
    internal sealed class LineLog(string path) : IDisposable
    {
        private readonly StreamWriter _writer = new(path) { AutoFlush = true };
        private bool _closed;

        public void Write(string? line)
        {
            lock (_writer)
            {
                if (line is not null && !_closed)
                {
                    _writer.WriteLine(line);
                }
            }
        }

        public void Dispose()
        {
            lock (_writer)
            {
                _closed = true;
                _writer.Dispose();
            }
        }
    }
}
