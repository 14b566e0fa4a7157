using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// The dispatcher re-reads the active calls while a claim commits. Until the commit, that read cannot
/// see the claim's calls, so the view must go on counting them by their reservations; turning them
/// into slots before the commit would let the read drop them, and the next claim exceed the limit.
/// </summary>
public sealed class CallClaimerTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ARefreshJustBeforeAClaimCommitsStillCountsItsCalls(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        var services = factory.Services;
        var lease = await DispatchKit.HeldLeaseAsync(services);
        var ids = await InsertQueuedCallsAsync(factory, 3);
        var slots = new ActiveSlots();
        slots.Reserve(ids.Select((id, i) => (id, new ActiveCall("ws_claimer", null, null, CallLane.Bulk, Number(i)))));

        var countedBeforeCommit = -1;
        var database = services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Database;
        var beforeCommit = new BeforeCommit(async () =>
        {
            await using var other = TestDbContexts.Open<OrchestratorDbContext>(database);
            await slots.RefreshAsync(other, 0, CancellationToken.None);
            countedBeforeCommit = slots.Snapshot().Count;
        });
        await using var db = TestDbContexts.Open<DispatchDbContext>(database, beforeCommit);
        var claimer = new CallClaimer(
            db, lease, slots, services.GetRequiredService<SqliteWriteGate>(), services.GetRequiredService<IOptions<OrchestratorOptions>>(),
            TimeProvider.System, NullLogger<CallClaimer>.Instance);

        var now = DateTime.UtcNow;
        var claimed = await claimer.CommitAsync(new ClaimChoice(ids, new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc)), CancellationToken.None);

        Assert.Equal(3, claimed.Count);
        Assert.True(beforeCommit.Ran, "the claim committed in a transaction of its own");
        Assert.Equal(3, countedBeforeCommit);
        Assert.Equal(3, slots.Snapshot().Count);
        Assert.Empty(slots.Reserved());
    }

    /// <summary>
    /// A call the provider has ended frees its slot before its end is written, so the next dial need not wait for that
    /// write; its number stays busy until then, because the database allows one active call per number (and a claim
    /// that broke that rule would fail).
    /// </summary>
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ACallEndedAtTheProviderFreesItsSlotAtOnceAndItsNumberOnceItsEndCommits(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind, new Dictionary<string, string?> { ["ELEVENLABS_CONCURRENCY_LIMIT"] = "1" });
        var services = factory.Services;
        var lease = await DispatchKit.HeldLeaseAsync(services);
        var now = DateTime.UtcNow;
        var ending = await InsertCallAsync(factory, Number(0), CallState.Dialing, now, order: 0);
        // The queue is first in, first out by id: the call to the same number comes first.
        var sameNumber = await InsertCallAsync(factory, Number(0), CallState.Queued, now, order: 1);
        var otherNumber = await InsertCallAsync(factory, Number(1), CallState.Queued, now, order: 2);

        var database = services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Database;
        await using var db = TestDbContexts.Open<DispatchDbContext>(database);
        var slots = new ActiveSlots();
        // Two hours on, when the queued calls are due for this test's claimer (and not before, for the service's own).
        var clock = new Reporting.ManualClock(new DateTimeOffset(now.AddHours(2)));
        var claimer = new CallClaimer(
            db, lease, slots, services.GetRequiredService<SqliteWriteGate>(), services.GetRequiredService<IOptions<OrchestratorOptions>>(),
            clock, NullLogger<CallClaimer>.Instance);

        async Task<IReadOnlyList<Guid>> ChooseAsync()
        {
            await slots.RefreshAsync(db, 0, CancellationToken.None);
            var snapshot = new QueueSnapshot();
            snapshot.Replace(await QueueView.DueGroupsAsync(db, clock.GetUtcNow().UtcDateTime, CancellationToken.None), new Dictionary<string, int>(), 0);
            var choice = await claimer.ChooseAsync(snapshot, capacity: 10, remoteActive: 0, rotation: 0, CancellationToken.None);
            slots.Unreserve(choice.CallIds);
            return choice.CallIds;
        }

        Assert.Empty(await ChooseAsync());

        Assert.True(slots.EndedAtProvider(ending));
        // The slot is free, even after a re-read that still finds the call active; its number is not.
        Assert.Equal([otherNumber], await ChooseAsync());

        await using (var other = TestDbContexts.Open<OrchestratorDbContext>(database))
        {
            await other.Calls.Where(c => c.Id == ending).ExecuteUpdateAsync(u => u.SetProperty(c => c.State, CallState.Completed));
        }

        slots.Released(ending);
        Assert.Equal([sameNumber], await ChooseAsync());
    }

    private static async Task<Guid> InsertCallAsync(OrchestratorFactory factory, string number, CallState state, DateTime now, int order)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var call = new Call
        {
            // Ids made within one millisecond are in no particular order; a millisecond apart, they are in this one.
            Id = Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero).AddMilliseconds(order)), WorkspaceId = "ws_claimer", Lane = CallLane.Bulk, State = state, MaxAttempts = 1,
            AgentId = "agent", AgentPhoneNumberId = "phnum", ToNumber = number, CreatedAt = now, UpdatedAt = now,
            Attempts = state == CallState.Dialing ? 1 : 0,
            DialedAt = state == CallState.Dialing ? now : null,
            // Far off, so that the running service's sweeper leaves the dialing call alone and its dispatcher the queued ones.
            LeaseExpiresAt = state == CallState.Dialing ? now.AddHours(1) : null,
            NextAttemptAt = state == CallState.Queued ? now.AddHours(1) : null,
        };
        await using var transaction = await db.Database.BeginTransactionAsync();
        await BulkInserter.InsertAsync(db, [call], CancellationToken.None);
        await transaction.CommitAsync();
        return call.Id;
    }

    private static string Number(int i) => "+1555123" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<Guid>> InsertQueuedCallsAsync(OrchestratorFactory factory, int count)
    {
        var now = DateTime.UtcNow;
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await InsertCallAsync(factory, Number(i), CallState.Queued, now, order: i));
        }

        return ids;
    }

    /// <summary>Runs an action just before a transaction commits (SQLite's claim), or before a command that commits on its own (PostgreSQL's one-statement claim).</summary>
    private sealed class BeforeCommit(Func<Task> action) : DbTransactionInterceptor, IDbCommandInterceptor
    {
        public bool Ran { get; private set; }

        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            await RunOnceAsync();
            return result;
        }

        public async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.Transaction is null && command.CommandText.Contains("dispatcher_lease", StringComparison.Ordinal))
            {
                await RunOnceAsync();
            }

            return result;
        }

        private async Task RunOnceAsync()
        {
            if (!Ran)
            {
                Ran = true;
                await action();
            }
        }
    }
}
