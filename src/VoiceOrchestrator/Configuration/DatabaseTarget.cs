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

    /// <summary>The SQLite file this target names, or null for PostgreSQL.</summary>
    public string? SqliteFilePath =>
        Provider == DatabaseProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource
            : null;
}
