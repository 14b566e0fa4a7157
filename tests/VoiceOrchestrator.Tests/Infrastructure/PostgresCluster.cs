using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// A real, throwaway PostgreSQL server for the test run: initdb into a fresh temp directory,
/// start on 127.0.0.1 with a free port, hand out fresh databases, stop and delete everything at the end.
/// </summary>
/// <remarks>
/// Tests normally get one through <see cref="PostgresFixture"/> (collection "postgres") rather than
/// starting their own. When the test process runs as root the server runs as the <c>postgres</c>
/// OS user, because PostgreSQL refuses to run as root.
/// </remarks>
public sealed partial class PostgresCluster : IAsyncDisposable
{
    private const string ServerUser = "postgres";
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _baseDirectory;
    private readonly bool _asServerUser;
    private Process? _watchdog;
    private int _stopped;

    private PostgresCluster(string binDirectory, string baseDirectory, bool asServerUser)
    {
        BinDirectory = binDirectory;
        _baseDirectory = baseDirectory;
        _asServerUser = asServerUser;
    }

    /// <summary>Directory holding initdb, pg_ctl and postgres.</summary>
    public string BinDirectory { get; }

    /// <summary>The cluster's data directory (inside the temp directory).</summary>
    public string DataDirectory => Path.Combine(_baseDirectory, "data");

    /// <summary>The server log; its tail is included in start failures.</summary>
    public string LogFile => Path.Combine(_baseDirectory, "server.log");

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>Connection string to the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    /// <summary>Creates the cluster and starts the server; throws with the server log tail if it cannot.</summary>
    public static Task<PostgresCluster> StartAsync(CancellationToken cancellationToken = default) =>
        Task.Run(Start, cancellationToken);

    /// <summary>
    /// Creates a fresh, empty database and returns its ADO connection string.
    /// Without <paramref name="name"/> a unique name is generated; a given name is used as is
    /// (lower-case letters, digits, underscores) and must not exist yet.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "test_" + Guid.NewGuid().ToString("N");
        var quoted = QuotedDatabaseName(name);

        // No pooling here: an idle admin connection per cluster would only use up max_connections.
        await using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return ConnectionString(name);
    }

    /// <summary>
    /// Drops a database and ends the sessions still open on it. A finished test's pools keep their
    /// idle connections for minutes; dropping with FORCE frees them at once, so tests running in
    /// parallel never add up past max_connections.
    /// </summary>
    public void DropDatabase(string name)
    {
        var quoted = QuotedDatabaseName(name);
        using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>The name quoted for a statement, once it is known to be one this cluster's tests may use.</summary>
    private static string QuotedDatabaseName(string name) =>
        DatabaseNamePattern().IsMatch(name)
            ? $"\"{name}\""
            : throw new ArgumentException($"Database name '{name}' must match {DatabaseNamePattern()}.", nameof(name));

    /// <summary>ADO connection string for an existing database of this cluster.</summary>
    public string ConnectionString(string database) =>
        $"Host={Host};Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50";

    /// <summary>URI form, as the service reads it from DATABASE_URL.</summary>
    public string DatabaseUrl(string database) =>
        $"postgresql://postgres@{Host}:{Port}/{Uri.EscapeDataString(database)}?sslmode=disable";

    /// <summary>Stops the server (immediate mode) and deletes the temp directory. Safe to call twice.</summary>
    public async ValueTask DisposeAsync() => await Task.Run(Stop).ConfigureAwait(false);

    private static PostgresCluster Start()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgresCluster runs on Linux/macOS only.");
        }

        var bin = FindBinDirectory();
        var asServerUser = IsRoot();
        // As root the directory must be reachable by the postgres user; root's TMPDIR may sit under 0700 /root.
        var parent = asServerUser ? "/tmp" : Path.GetTempPath();
        var baseDirectory = Path.Combine(parent, "vo-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(baseDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var cluster = new PostgresCluster(bin, baseDirectory, asServerUser);
        try
        {
            cluster.InitAndStart();
            return cluster;
        }
        catch
        {
            cluster.Stop();
            throw;
        }
    }

    private void InitAndStart()
    {
        if (_asServerUser)
        {
            Check(Run("chown", [ServerUser + ":", _baseDirectory], asServerUser: false, InitTimeout), "chown");
        }

        Check(Run(Tool("initdb"),
            ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
            _asServerUser, InitTimeout), "initdb");

        // Durability is worthless for a throwaway test server; speed is not. Connections: the classes run in
        // parallel, and each test's services hold a few pools; TestDatabase drops its database with FORCE when the
        // test ends, so idle connections a finished service left in its pools do not pile up towards the limit.
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            # VoiceOrchestrator test cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{_baseDirectory}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            shared_buffers = 128MB

            """);

        // From here on a server may exist, so make sure it goes away with the process.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

        // The free port is only free when we looked; retry if another process grabbed it meanwhile.
        for (var attempt = 1; ; attempt++)
        {
            Port = FindFreePort();
            var result = Run(Tool("pg_ctl"),
                ["start", "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                 "-D", DataDirectory, "-l", LogFile, "-o", $"-p {Port}"],
                _asServerUser, StartTimeout + TimeSpan.FromSeconds(15));
            if (result.ExitCode == 0)
            {
                break;
            }

            var log = LogTail();
            if (attempt < 3 && log.Contains("could not bind", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException(
                $"PostgreSQL did not start (pg_ctl exit {result.ExitCode}, port {Port}, bin {BinDirectory}).\n" +
                $"pg_ctl output:\n{result.Output}\n--- tail of {LogFile} ---\n{log}");
        }

        StartWatchdog();
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                Run(Tool("pg_ctl"), ["stop", "-m", "immediate", "-w", "-D", DataDirectory], _asServerUser, StopTimeout);
            }
        }
        catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Best effort: deleting the directory below still removes the data.
        }

        try
        {
            Directory.Delete(_baseDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort; it lives in a temp directory anyway.
        }

        // Last, because the test host may be killed at any point above (vstest gives ProcessExit
        // very little time); the watchdog then finishes the cleanup.
        try
        {
            _watchdog?.Kill(entireProcessTree: true);
            _watchdog?.Dispose();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Stop();

    /// <summary>
    /// If the test process is killed (no ProcessExit, e.g. a hang timeout), a detached shell notices
    /// within a second and stops the server, so no postgres is left running.
    /// </summary>
    private void StartWatchdog()
    {
        var stop = ShellJoin(Wrap(Tool("pg_ctl"), ["stop", "-m", "immediate", "-w", "-D", DataDirectory], _asServerUser));
        var script =
            "exec </dev/null >/dev/null 2>&1\n" +
            $"while kill -0 {Environment.ProcessId}; do sleep 1; done\n" +
            $"{stop}\nrm -rf {ShellQuote(_baseDirectory)}\n";
        var setsid = FindOnPath("setsid");
        var (file, args) = setsid is null ? ("/bin/sh", new List<string> { "-c", script }) : (setsid, ["/bin/sh", "-c", script]);
        var startInfo = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        args.ForEach(startInfo.ArgumentList.Add);
        try
        {
            _watchdog = Process.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Only a safety net; ProcessExit and DisposeAsync still stop the server.
        }
    }

    private string Tool(string name) => Path.Combine(BinDirectory, name);

    private string LogTail()
    {
        try
        {
            return File.Exists(LogFile) ? string.Join('\n', File.ReadAllLines(LogFile).TakeLast(40)) : "(no server log)";
        }
        catch (IOException e)
        {
            return $"(server log unreadable: {e.Message})";
        }
    }

    private static void Check(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit {result.ExitCode}):\n{result.Output}");
        }
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    private ProcessResult Run(string file, IReadOnlyList<string> args, bool asServerUser, TimeSpan timeout)
    {
        var (command, arguments) = Wrap(file, args, asServerUser);
        var startInfo = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The test's working directory may be unreadable for the postgres user.
            WorkingDirectory = _baseDirectory,
        };
        arguments.ForEach(startInfo.ArgumentList.Add);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{ShellJoin((command, arguments))} did not finish within {timeout}:\n{output}");
        }

        process.WaitForExit(); // flushes the output events
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }
    }

    /// <summary>PostgreSQL refuses to run as root, so as root run its tools as the postgres user.</summary>
    private static (string File, List<string> Args) Wrap(string file, IReadOnlyList<string> args, bool asServerUser)
    {
        if (!asServerUser)
        {
            return (file, [.. args]);
        }

        var runuser = FindOnPath("runuser") ?? (File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : null);
        return runuser is not null
            ? (runuser, ["-u", ServerUser, "--", file, .. args])
            : ("su", [ServerUser, "-s", "/bin/sh", "-c", ShellJoin((file, [.. args]))]);
    }

    private static string ShellJoin((string File, List<string> Args) command) =>
        string.Join(' ', command.Args.Prepend(command.File).Select(ShellQuote));

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    private static bool IsRoot()
    {
        if (Environment.UserName == "root")
        {
            return true;
        }

        try
        {
            using var id = Process.Start(new ProcessStartInfo("id", "-u") { RedirectStandardOutput = true, UseShellExecute = false });
            if (id is null)
            {
                return false;
            }

            var uid = id.StandardOutput.ReadToEnd().Trim();
            id.WaitForExit();
            return uid == "0";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>PG_BIN, then <c>pg_config --bindir</c>, then the newest /usr/lib/postgresql/*/bin, then PATH.</summary>
    private static string FindBinDirectory()
    {
        static bool HasServer(string? dir) =>
            dir is not null && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return HasServer(fromEnvironment)
                ? fromEnvironment
                : throw new InvalidOperationException($"PG_BIN is '{fromEnvironment}' but it holds no initdb and pg_ctl.");
        }

        var fromPgConfig = PgConfigBinDirectory();
        if (HasServer(fromPgConfig))
        {
            return fromPgConfig!;
        }

        const string debianRoot = "/usr/lib/postgresql";
        var newest = !Directory.Exists(debianRoot) ? null : Directory.GetDirectories(debianRoot)
            .Select(dir => (Bin: Path.Combine(dir, "bin"),
                Version: double.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(candidate => HasServer(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
        if (newest is not null)
        {
            return newest;
        }

        var onPath = Path.GetDirectoryName(FindOnPath("initdb") ?? string.Empty);
        if (HasServer(onPath))
        {
            return onPath!;
        }

        // Not a skip: these tests need a real server, and CI installs one.
        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found: looked at $PG_BIN, `pg_config --bindir`, " +
            "/usr/lib/postgresql/*/bin and PATH. Install PostgreSQL (e.g. `apt-get install -y postgresql`) " +
            "or set PG_BIN to the directory that holds initdb.");
    }

    private static string? PgConfigBinDirectory()
    {
        var pgConfig = FindOnPath("pg_config");
        if (pgConfig is null)
        {
            return null;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(pgConfig, "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseNamePattern();
}

/// <summary>
/// One <see cref="PostgresCluster"/> shared by every test class in the "postgres" collection.
/// The server starts when the first such test runs (not at all if none runs) and stops when the
/// last fixture instance is disposed; it is shared even if used as a class fixture elsewhere.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private static readonly Lock Gate = new();
    private static Task<PostgresCluster>? s_shared;
    private static int s_users;

    private PostgresCluster? _cluster;
    private bool _acquired;

    public PostgresCluster Cluster =>
        _cluster ?? throw new InvalidOperationException("PostgresFixture is used before xunit initialized it.");

    /// <inheritdoc cref="PostgresCluster.CreateDatabaseAsync"/>
    public Task<string> CreateDatabaseAsync(string? name = null) => Cluster.CreateDatabaseAsync(name);

    /// <inheritdoc cref="PostgresCluster.DatabaseUrl"/>
    public string DatabaseUrl(string database) => Cluster.DatabaseUrl(database);

    public async Task InitializeAsync()
    {
        Task<PostgresCluster> shared;
        lock (Gate)
        {
            s_users++;
            _acquired = true;
            // A failed start stays cached: every user fails fast with the same message instead of retrying.
            shared = s_shared ??= PostgresCluster.StartAsync();
        }

        _cluster = await shared.ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        Task<PostgresCluster>? last = null;
        lock (Gate)
        {
            if (!_acquired)
            {
                return;
            }

            _acquired = false;
            if (--s_users == 0)
            {
                last = s_shared;
                s_shared = null;
            }
        }

        if (last is { IsCompletedSuccessfully: true })
        {
            await last.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
