using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace VoiceOrchestrator.Bench.Infrastructure;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh, empty database for one service instance, with direct read access for counting rows and
/// describing the settings the figures were taken with. Disposing deletes it (and stops its server).
/// </summary>
internal abstract class BenchDatabase : IAsyncDisposable
{
    public abstract DatabaseKind Kind { get; }

    public string Name => Kind == DatabaseKind.Sqlite ? "SQLite" : "PostgreSQL";

    /// <summary>What the service gets as DATABASE_URL.</summary>
    public abstract string DatabaseUrl { get; }

    public static async Task<BenchDatabase> CreateAsync(DatabaseKind kind, CancellationToken cancellationToken) => kind switch
    {
        DatabaseKind.Sqlite => new SqliteBenchDatabase(),
        DatabaseKind.Postgres => await PostgresBenchDatabase.CreateAsync(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>One integer from a query; <c>@p</c> in the text is bound to <paramref name="parameter"/>.</summary>
    public async Task<long> ScalarAsync(string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        if (parameter is not null)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@p";
            p.Value = parameter;
            command.Parameters.Add(p);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of <c>call_events</c> as (call id, to_state, at), for timing analyses.</summary>
    public async Task<List<(string CallId, string State, DateTime At)>> CallEventsAsync(CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT call_id, to_state, at FROM call_events";
        command.CommandTimeout = 300;
        var rows = new List<(string, string, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "", reader.GetString(1), reader.GetDateTime(2)));
        }

        return rows;
    }

    /// <summary>CPU time used so far by a separate database server; null when the database runs inside the service (SQLite).</summary>
    public virtual TimeSpan? ServerCpuTime => null;

    /// <summary>Version and the settings that matter for write speed, one "name: value" per entry.</summary>
    public abstract Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected abstract DbConnection Connect();

    /// <summary>A connection that may write, for scenarios that load data directly instead of through the service.</summary>
    public abstract DbConnection ConnectForWriting();

    /// <summary>Runs one statement that writes; <c>@name</c> placeholders are bound from <paramref name="parameters"/>.</summary>
    public async Task<int> ExecuteAsync(string sql, IReadOnlyDictionary<string, object> parameters, CancellationToken cancellationToken)
    {
        await using var connection = ConnectForWriting();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 3600;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string> TextAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = Connect();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}

internal sealed class SqliteBenchDatabase : BenchDatabase
{
    private readonly string _directory = TempDirectory.Create("vo-bench-sqlite");

    public override DatabaseKind Kind => DatabaseKind.Sqlite;
    public string FilePath => Path.Combine(_directory, "bench.db");
    public override string DatabaseUrl => "sqlite:" + FilePath;

    public override async Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken) =>
    [
        "version: SQLite " + await TextAsync("SELECT sqlite_version()", cancellationToken),
        "journal_mode: " + await TextAsync("PRAGMA journal_mode", cancellationToken),
        // Set per connection by the service (SqliteConnectionPragmas), so not readable from here.
        "synchronous: NORMAL (service connection pragma)",
        // The temp path itself differs per run and per machine; the file system is what matters.
        "file: a fresh temp file on " + FileSystems.Describe(_directory),
    ];

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        TempDirectory.TryDelete(_directory);
        return ValueTask.CompletedTask;
    }

    protected override DbConnection Connect() =>
        new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());

    public override DbConnection ConnectForWriting() =>
        new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 600 }.ToString());
}

internal sealed class PostgresBenchDatabase : BenchDatabase
{
    private const string DatabaseName = "bench";
    private readonly PostgresServer _server;

    private PostgresBenchDatabase(PostgresServer server) => _server = server;

    public override DatabaseKind Kind => DatabaseKind.Postgres;
    public override TimeSpan? ServerCpuTime => _server.CpuTime;
    public override string DatabaseUrl => _server.DatabaseUrl(DatabaseName);

    public static async Task<PostgresBenchDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var server = await PostgresServer.StartAsync(cancellationToken);
        try
        {
            await server.CreateDatabaseAsync(DatabaseName, cancellationToken);
            return new PostgresBenchDatabase(server);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public override async Task<IReadOnlyList<string>> DescribeAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string> { "version: PostgreSQL " + await TextAsync("SHOW server_version", cancellationToken) };
        foreach (var setting in new[] { "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "max_wal_size", "checkpoint_timeout" })
        {
            lines.Add($"{setting}: {await TextAsync("SHOW " + setting, cancellationToken)}");
        }

        lines.Add($"cluster: initdb -A trust -E UTF8 --locale=C, 127.0.0.1:{_server.Port}, binaries {_server.BinDirectory}, data on {FileSystems.Describe("/tmp")}");
        return lines;
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _server.DisposeAsync();
    }

    protected override DbConnection Connect() => new NpgsqlConnection(_server.ConnectionString(DatabaseName));

    public override DbConnection ConnectForWriting() => new NpgsqlConnection(_server.ConnectionString(DatabaseName));
}

internal static class FileSystems
{
    /// <summary>The file system type of the mount holding <paramref name="path"/> (e.g. "ext4", "tmpfs"), from /proc/mounts.</summary>
    public static string Describe(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var best = File.ReadLines("/proc/mounts")
                .Select(line => line.Split(' '))
                .Where(parts => parts.Length >= 3 && IsUnder(full, parts[1]))
                .OrderByDescending(parts => parts[1].Length)
                .FirstOrDefault();
            return best is null ? "unknown file system" : $"{best[2]} ({best[1]})";
        }
        catch (IOException)
        {
            return "unknown file system";
        }
    }

    private static bool IsUnder(string path, string mount) =>
        mount == "/" || path == mount || path.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal);
}
