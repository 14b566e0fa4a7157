namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// Base for tests that run the service on a real database: <see cref="StartAsync"/> makes a fresh
/// database of the requested kind and a service over it; both are torn down after the test.
/// </summary>
[Collection("postgres")]
public abstract class ServiceTestBase(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _databases = [];

    protected PostgresFixture Postgres { get; } = postgres;

    protected async Task<OrchestratorFactory> StartAsync(DatabaseKind kind, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await TestDatabase.CreateAsync(kind, Postgres);
        _databases.Add(database);
        var factory = new OrchestratorFactory(database, settings);
        _owned.Add(factory);
        // Creating a client starts the host, which applies the migrations.
        factory.CreateClient().Dispose();
        return factory;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var database in _databases)
        {
            database.Dispose();
        }
    }
}
