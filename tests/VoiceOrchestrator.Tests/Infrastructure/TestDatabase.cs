namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>A fresh, empty database of either kind, named by the DATABASE_URL the service would be given.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string? _sqliteDirectory;
    private readonly Action? _dropPostgres;

    private TestDatabase(DatabaseKind kind, string databaseUrl, string? sqliteDirectory, Action? dropPostgres)
    {
        Kind = kind;
        DatabaseUrl = databaseUrl;
        _sqliteDirectory = sqliteDirectory;
        _dropPostgres = dropPostgres;
    }

    public DatabaseKind Kind { get; }

    public string DatabaseUrl { get; }

    public static async Task<TestDatabase> CreateAsync(DatabaseKind kind, PostgresFixture postgres)
    {
        if (kind == DatabaseKind.Postgres)
        {
            var connectionString = await postgres.CreateDatabaseAsync();
            var name = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
            var cluster = postgres.Cluster;
            return new TestDatabase(kind, postgres.DatabaseUrl(name), null, () => cluster.DropDatabase(name));
        }

        var directory = Path.Combine(Path.GetTempPath(), "vo-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return new TestDatabase(kind, $"sqlite:{Path.Combine(directory, "calls.db")}", directory, null);
    }

    /// <summary>Removes the database; call it only after every service using it has stopped.</summary>
    public void Dispose()
    {
        _dropPostgres?.Invoke();
        if (_sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection: the OS temp cleaner takes it later.
            }
        }
    }
}
