namespace VoiceOrchestrator.Configuration;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>A database the service can open: which engine, and the ADO.NET connection string for it.</summary>
public sealed record DatabaseTarget(DatabaseProvider Provider, string ConnectionString, IReadOnlyList<string> IgnoredParameters)
{
    public const string DefaultSqlitePath = "data/voice-orchestrator.db";

    public static DatabaseTarget DefaultSqlite() => Sqlite(DefaultSqlitePath);

    public static DatabaseTarget Sqlite(string path) =>
        new(DatabaseProvider.Sqlite, $"Data Source={path};Pooling=True;Default Timeout=30", []);

    /// <summary>Connections the dispatcher's own PostgreSQL pool may open: its claims, its queue reads and its lease.</summary>
    public const int DispatcherPoolSize = 4;

    /// <summary>Connections the batch writers' own PostgreSQL pool may open: one per writer thread, each keeping its own.</summary>
    public const int BatchWritersPoolSize = Calls.PostgresTransitionBatches.Writers + 1;

    /// <summary>
    /// The same database for the dispatcher: on PostgreSQL a pool of its own (Npgsql keeps one pool per connection
    /// string, and the application name sets this one apart, also in pg_stat_activity); SQLite needs none.
    /// </summary>
    public DatabaseTarget ForDispatcher() => WithOwnPool("dispatcher", DispatcherPoolSize);

    /// <summary>
    /// The same database for the batch writers (<see cref="Storage.PostgresBatchWriter{TItem, TResult}"/>): their callers
    /// hold connections of the service's pool while they wait, so a writer must not need one of those.
    /// </summary>
    public DatabaseTarget ForBatchWriters() => WithOwnPool("writers", BatchWritersPoolSize);

    private DatabaseTarget WithOwnPool(string role, int size)
    {
        if (Provider != DatabaseProvider.Postgres)
        {
            return this;
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        builder.ApplicationName = (builder.ApplicationName is { Length: > 0 } name ? name : "voice-orchestrator") + " " + role;
        builder.MaxPoolSize = size;
        return this with { ConnectionString = builder.ConnectionString };
    }

    /// <summary>The SQLite file this target names, or null for PostgreSQL.</summary>
    public string? SqliteFilePath =>
        Provider == DatabaseProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource
            : null;
}
