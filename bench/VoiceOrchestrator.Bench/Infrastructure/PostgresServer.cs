using System.Globalization;
using Npgsql;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server: initdb into a fresh directory under /tmp, listen on 127.0.0.1 on a
/// free port, stop (<c>pg_ctl stop -m fast</c>) and delete everything on dispose. PostgreSQL refuses
/// to run as root, so as root its tools run as the <c>postgres</c> OS user through runuser.
/// Durability settings stay at PostgreSQL's defaults (fsync, synchronous_commit and
/// full_page_writes on), so figures are those of a durable server.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private const string ServerUser = "postgres";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _baseDirectory;
    private readonly bool _asServerUser;
    private Reaper? _reaper;
    private int _disposed;

    private PostgresServer(string binDirectory, string baseDirectory, bool asServerUser)
    {
        BinDirectory = binDirectory;
        _baseDirectory = baseDirectory;
        _asServerUser = asServerUser;
    }

    public string BinDirectory { get; }
    public int Port { get; private set; }
    private string DataDirectory => Path.Combine(_baseDirectory, "data");
    private string LogFile => Path.Combine(_baseDirectory, "server.log");

    /// <summary>CPU time used so far by the postmaster and its live backends.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                var pid = int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
                return ProcStat.ProcessTreeCpu(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                return TimeSpan.Zero;
            }
        }
    }

    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken)
    {
        var bin = await FindBinDirectoryAsync();
        var asServerUser = Environment.UserName == "root";
        var server = new PostgresServer(bin, TempDirectory.Create("vo-bench-pg"), asServerUser);
        try
        {
            await server.InitAndStartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>ADO connection string for a database of this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;Timeout=15;Command Timeout=300";

    /// <summary>The URI form the service reads from DATABASE_URL.</summary>
    public string DatabaseUrl(string database) =>
        $"postgresql://postgres@127.0.0.1:{Port}/{Uri.EscapeDataString(database)}?sslmode=disable";

    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                var stop = await RunAsync("pg_ctl", ["stop", "-m", "fast", "-w", "-t", "30", "-D", DataDirectory], StopTimeout + TimeSpan.FromSeconds(10));
                if (stop.ExitCode != 0)
                {
                    await RunAsync("pg_ctl", ["stop", "-m", "immediate", "-w", "-D", DataDirectory], StopTimeout);
                }
            }
        }
        catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"warning: stopping PostgreSQL failed: {e.Message}");
        }

        TempDirectory.TryDelete(_baseDirectory);
        _reaper?.Dispose();
    }

    private async Task InitAndStartAsync(CancellationToken cancellationToken)
    {
        if (_asServerUser)
        {
            Check(await ProcessRunner.RunAsync("chown", [ServerUser + ":", _baseDirectory], ToolTimeout, cancellationToken: cancellationToken), "chown");
        }

        // --no-sync only skips initdb's final flush of the template files; the server itself runs with fsync on.
        Check(await RunAsync("initdb", ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], ToolTimeout, cancellationToken), "initdb");
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            # VoiceOrchestrator bench: loopback only; durability settings left at their defaults.
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{_baseDirectory}'

            """);

        // If the bench is killed before it can clean up, a detached shell stops the server and deletes its files.
        var stop = Wrap(Tool("pg_ctl"), ["stop", "-m", "fast", "-w", "-D", DataDirectory]);
        _reaper = Reaper.Arm($"{ProcessRunner.Describe(stop.File, stop.Args)}\nrm -rf {ProcessRunner.ShellQuote(_baseDirectory)}");

        // The free port is only free when we looked; try again if another process took it meanwhile.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            var start = await RunAsync("pg_ctl",
                ["start", "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-D", DataDirectory, "-l", LogFile, "-o", $"-p {Port}"],
                StartTimeout + TimeSpan.FromSeconds(15), cancellationToken);
            if (start.ExitCode == 0)
            {
                return;
            }

            var log = File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(30)) : "(no server log)";
            if (attempt < 3 && log.Contains("could not bind", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException($"PostgreSQL did not start (pg_ctl exit {start.ExitCode}, port {Port}):\n{start.Output}\n--- {LogFile} ---\n{log}");
        }
    }

    private Task<ProcessResult> RunAsync(string tool, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var (file, wrapped) = Wrap(Tool(tool), args);
        return ProcessRunner.RunAsync(file, wrapped, timeout, _baseDirectory, cancellationToken);
    }

    private (string File, List<string> Args) Wrap(string file, IReadOnlyList<string> args)
    {
        if (!_asServerUser)
        {
            return (file, [.. args]);
        }

        var runuser = ProcessRunner.FindOnPath("runuser") ?? "/usr/sbin/runuser";
        return (runuser, ["-u", ServerUser, "--", file, .. args]);
    }

    private string Tool(string name) => Path.Combine(BinDirectory, name);

    private static void Check(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit {result.ExitCode}):\n{result.Output}");
        }
    }

    /// <summary>PG_BIN, then <c>pg_config --bindir</c>, then the newest /usr/lib/postgresql/*/bin.</summary>
    private static async Task<string> FindBinDirectoryAsync()
    {
        static bool HasServer(string? dir) =>
            !string.IsNullOrWhiteSpace(dir) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        if (HasServer(fromEnvironment))
        {
            return fromEnvironment!;
        }

        var fromPgConfig = ProcessRunner.FindOnPath("pg_config") is { } pgConfig ? await ProcessRunner.FirstLineAsync(pgConfig, "--bindir") : null;
        if (HasServer(fromPgConfig))
        {
            return fromPgConfig!;
        }

        const string debianRoot = "/usr/lib/postgresql";
        var newest = !Directory.Exists(debianRoot) ? null : Directory.GetDirectories(debianRoot)
            .Select(dir => (Bin: Path.Combine(dir, "bin"), Version: double.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(candidate => HasServer(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
        return newest ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found in $PG_BIN, `pg_config --bindir` or /usr/lib/postgresql/*/bin. " +
            "Install PostgreSQL or run with --db sqlite.");
    }
}
