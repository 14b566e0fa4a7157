using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>
/// Base of the API tests: every test gets a fresh database and service. The tests look at calls
/// exactly as intake leaves them, so the service they start has its dispatcher parked: the test
/// takes the dispatcher lease for itself (the same way another instance would), and the service's
/// dispatcher, fenced by that lease, never claims a call. Each test class names its own collection
/// (<see cref="ApiCollections"/>) so that the classes run side by side.
/// </summary>
public abstract class ApiTestBase(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    /// <summary>The holder the parked lease names; no service instance ever has this id.</summary>
    public const string LeaseHolder = "api-tests";

    /// <summary>Starts the service on a fresh database of the given kind, with no call ever leaving <c>queued</c> by itself.</summary>
    protected async Task<OrchestratorFactory> StartApiAsync(DatabaseKind kind, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var factory = await StartAsync(kind, settings);
        await ParkDispatcherAsync(factory);
        return factory;
    }

    private static async Task ParkDispatcherAsync(OrchestratorFactory factory)
    {
        var until = DateTime.UtcNow.AddDays(1);
        for (var attempt = 1; ; attempt++)
        {
            // Taking the row over bumps its generation, which fences out a dispatcher that already holds it.
            var taken = await factory.QueryDbAsync(db => db.DispatcherLeases
                .Where(l => l.Name == DispatcherLeaseKeeper.LeaseName)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(l => l.Holder, LeaseHolder)
                    .SetProperty(l => l.ExpiresAt, until)
                    .SetProperty(l => l.Generation, l => l.Generation + 1)));
            if (taken == 1)
            {
                return;
            }

            try
            {
                await factory.QueryDbAsync(db =>
                {
                    db.DispatcherLeases.Add(new DispatcherLease { Name = DispatcherLeaseKeeper.LeaseName, Holder = LeaseHolder, ExpiresAt = until, AcquiredAt = DateTime.UtcNow, Generation = 1 });
                    return db.SaveChangesAsync();
                });
                return;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // The service's dispatcher created the row meanwhile: take it over instead.
            }
        }
    }
}

/// <summary>
/// One collection per API test class, each sharing the one PostgreSQL cluster of the run. xunit runs
/// the tests of one collection one after another and different collections side by side.
/// </summary>
public static class ApiCollections
{
    public const string Tenancy = "api-tenancy";
    public const string PriorityIntake = "api-priority-intake";
    public const string BulkIntake = "api-bulk-intake";
    public const string CallResource = "api-call-resource";
    public const string Idempotency = "api-idempotency";
    public const string HostileInput = "api-hostile-input";
    public const string Campaigns = "api-campaigns";
    public const string Operations = "api-operations";
}

[CollectionDefinition(ApiCollections.Tenancy)]
public sealed class TenancyCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.PriorityIntake)]
public sealed class PriorityIntakeCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.BulkIntake)]
public sealed class BulkIntakeCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.CallResource)]
public sealed class CallResourceCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.Idempotency)]
public sealed class IdempotencyCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.HostileInput)]
public sealed class HostileInputCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.Campaigns)]
public sealed class CampaignsCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(ApiCollections.Operations)]
public sealed class OperationsCollection : ICollectionFixture<PostgresFixture>;
