using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// The dispatcher's view of the queue finds its groups campaign by campaign: every workspace and
/// campaign with queued calls must still be found (calls of no campaign, campaigns without a row,
/// several workspaces), with the same counts, priorities and concurrency as one pass over every
/// queued call would give, and nothing of paused or cancelled campaigns.
/// </summary>
public sealed class QueueViewTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    private static readonly DateTime Now = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task DueGroupsMatchAPassOverEveryQueuedCall(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();

        // Disabled workspaces: the running dispatcher sees these calls but may claim none of them.
        foreach (var id in new[] { "ws_a", "ws_b", "ws_c" })
        {
            db.Workspaces.Add(new Workspace { Id = id, Name = id, ApiKeyHash = "hash_" + id, ApiKeyPrefix = "pre_" + id, IsActive = false, CreatedAt = Now, UpdatedAt = Now });
        }

        db.Campaigns.AddRange(
            new Campaign { WorkspaceId = "ws_a", Id = "active", Concurrency = 7, CreatedAt = Now, UpdatedAt = Now },
            new Campaign { WorkspaceId = "ws_a", Id = "paused", Status = CampaignStatus.Paused, CreatedAt = Now, UpdatedAt = Now },
            new Campaign { WorkspaceId = "ws_b", Id = "cancelled", Status = CampaignStatus.Cancelled, CreatedAt = Now, UpdatedAt = Now },
            // Same id as ws_a's paused campaign, active in this workspace.
            new Campaign { WorkspaceId = "ws_b", Id = "paused", Concurrency = 9, CreatedAt = Now, UpdatedAt = Now });
        await db.SaveChangesAsync();

        var batch1 = Guid.CreateVersion7();
        var batch2 = Guid.CreateVersion7();
        var calls = new List<Call>();
        var number = 0;
        void Add(string workspace, string? campaign, Guid? batch, CallLane lane, int count, int priority = 0, int concurrency = 50,
            CallState state = CallState.Queued, DateTime? nextAttemptAt = null)
        {
            for (var i = 0; i < count; i++)
            {
                calls.Add(NewCall(Guid.CreateVersion7(), workspace, campaign, batch, lane, priority + i % 3, concurrency, state, nextAttemptAt, ++number));
            }
        }

        Add("ws_a", null, batch1, CallLane.Bulk, 5, concurrency: 3);
        Add("ws_a", null, null, CallLane.Priority, 2, priority: 10);
        Add("ws_a", "active", batch1, CallLane.Bulk, 4);
        Add("ws_a", "active", batch2, CallLane.Bulk, 6, priority: 5);
        Add("ws_a", "active", batch2, CallLane.Bulk, 3, nextAttemptAt: Now.AddMinutes(5));
        Add("ws_a", "active", batch2, CallLane.Bulk, 2, nextAttemptAt: Now.AddMinutes(-5));
        Add("ws_a", "paused", batch1, CallLane.Bulk, 8);
        Add("ws_a", "no_row", batch2, CallLane.Bulk, 3, concurrency: 4);
        Add("ws_a", "finished", batch2, CallLane.Bulk, 3, state: CallState.Completed);
        Add("ws_a", "dialing_only", batch2, CallLane.Bulk, 2, state: CallState.Dialing);
        Add("ws_b", "cancelled", batch1, CallLane.Bulk, 4);
        Add("ws_b", "paused", batch1, CallLane.Bulk, 5);
        Add("ws_b", "paused", batch1, CallLane.Priority, 1, priority: -4);
        Add("ws_b", "later", batch2, CallLane.Bulk, 2, nextAttemptAt: Now.AddHours(1));
        Add("ws_c", null, null, CallLane.Bulk, 1);
        await InsertAsync(db, calls);

        var groups = await QueueView.DueGroupsAsync(db, Now, CancellationToken.None);

        var campaigns = await db.Campaigns.ToListAsync();
        var expected = calls
            .Where(c => c.State == CallState.Queued && (c.NextAttemptAt == null || c.NextAttemptAt <= Now))
            .GroupBy(c => new QueueGroup(c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane))
            .Select(g => (g.Key, Campaign: campaigns.SingleOrDefault(x => x.WorkspaceId == g.Key.WorkspaceId && x.Id == g.Key.CampaignId), Calls: g.ToList()))
            .Where(g => g.Campaign is null || g.Campaign.Status == CampaignStatus.Active)
            .Select(g => new QueuedGroup(g.Key, g.Calls.Max(c => c.Priority), g.Calls.Count, g.Campaign?.Concurrency ?? g.Calls.Min(c => c.Concurrency)))
            .OrderBy(Order)
            .ToList();
        Assert.Equal(8, expected.Count);
        Assert.Equal(expected, groups.OrderBy(Order).ToList());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task SeveralGroupsReadAtOnceGetWhatEachGroupsOwnReadGets(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        // Disabled: the running dispatcher claims none of these calls.
        db.Workspaces.Add(new Workspace { Id = "ws", Name = "ws", ApiKeyHash = "hash", ApiKeyPrefix = "pre", IsActive = false, CreatedAt = Now, UpdatedAt = Now });
        await db.SaveChangesAsync();

        var batch = Guid.CreateVersion7();
        var number = 0;
        var calls = new List<Call>();
        void Add(string? campaign, Guid? batchId, CallLane lane, int count, CallState state = CallState.Queued, DateTime? nextAttemptAt = null)
        {
            for (var i = 0; i < count; i++)
            {
                calls.Add(NewCall(Guid.NewGuid(), "ws", campaign, batchId, lane, i * 7 % 4, 10, state, nextAttemptAt, ++number));
            }
        }

        // Random ids (not time-ordered), so that the order by id is the database's own, not the order of insertion.
        Add(null, null, CallLane.Priority, 6);
        Add(null, batch, CallLane.Bulk, 9);
        Add("camp", batch, CallLane.Bulk, 12);
        Add("camp", batch, CallLane.Bulk, 3, nextAttemptAt: Now.AddMinutes(5));
        Add("camp", batch, CallLane.Bulk, 2, nextAttemptAt: Now.AddMinutes(-5));
        Add("camp", batch, CallLane.Bulk, 4, state: CallState.Dialing);
        Add("camp", null, CallLane.Priority, 2);
        await InsertAsync(db, calls);

        (QueueGroup Group, int Count)[] reads =
        [
            (new QueueGroup("ws", null, null, CallLane.Priority), 4),
            (new QueueGroup("ws", null, batch, CallLane.Bulk), 20),
            (new QueueGroup("ws", "camp", batch, CallLane.Bulk), 10),
            (new QueueGroup("ws", "camp", null, CallLane.Priority), 1),
            (new QueueGroup("ws", "none", batch, CallLane.Bulk), 5),
        ];
        var together = await QueueView.CandidatesAsync(db, reads, Now, CancellationToken.None);

        Assert.Equal(4, together.Count);
        foreach (var (group, count) in reads)
        {
            var alone = await QueueView.CandidatesAsync(db, group, Now, count, [], CancellationToken.None);
            Assert.Equal(alone.Select(c => c.Id), together.GetValueOrDefault(group)?.Select(c => c.Id) ?? []);
        }

        Assert.Equal(4 + 9 + 10 + 1, together.Values.Sum(v => v.Count));
    }

    private static Call NewCall(
        Guid id, string workspace, string? campaign, Guid? batch, CallLane lane, int priority, int concurrency, CallState state, DateTime? nextAttemptAt, int number) => new()
    {
        Id = id, WorkspaceId = workspace, CampaignId = campaign, BatchId = batch, Lane = lane, Priority = priority,
        Concurrency = concurrency, State = state, NextAttemptAt = nextAttemptAt, AgentId = "agent", AgentPhoneNumberId = "phnum",
        ToNumber = "+1555" + number.ToString("D7", System.Globalization.CultureInfo.InvariantCulture), CreatedAt = Now, UpdatedAt = Now,
    };

    private static async Task InsertAsync(OrchestratorDbContext db, List<Call> calls)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        await BulkInserter.InsertAsync(db, calls, CancellationToken.None);
        await transaction.CommitAsync();
    }

    private static string Order(QueuedGroup group) => $"{group.Key.WorkspaceId}/{group.Key.CampaignId}/{group.Key.BatchId}/{group.Key.Lane}";
}
