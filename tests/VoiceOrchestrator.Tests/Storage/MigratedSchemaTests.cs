using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Reporting;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>The hand-written migrations must produce exactly the schema the EF model expects, on both databases.</summary>
public sealed class MigratedSchemaTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task EveryMappedColumnExistsAndEveryTableColumnIsMapped(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();

        foreach (var entity in db.Model.GetEntityTypes().Where(e => !e.IsOwned()))
        {
            var table = entity.GetTableName()!;
            var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, null);
            var expected = entity.GetProperties()
                .Select(p => p.GetColumnName(store)!)
                .Concat(entity.GetNavigations().Where(n => n.TargetEntityType.IsOwned())
                    .SelectMany(n => n.TargetEntityType.GetProperties().Where(p => !p.IsKey()).Select(p => p.GetColumnName(store)!)))
                .ToHashSet();
            var actual = (await ColumnsAsync(db, table)).ToHashSet();

            Assert.True(actual.Count > 0, $"table {table} is missing");
            Assert.Empty(expected.Except(actual));
            Assert.Empty(actual.Except(expected));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task EveryEntityRoundTrips(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var now = new DateTime(2026, 11, 1, 12, 30, 15, DateTimeKind.Utc);
        var agentId = Guid.CreateVersion7();
        var numberId = Guid.CreateVersion7();
        var callId = Guid.CreateVersion7();

        db.Workspaces.Add(new Workspace { Id = "ws_1", Name = "W", ApiKeyHash = "h", ApiKeyPrefix = "p", CreatedAt = now, UpdatedAt = now, Metadata = "{\"a\":1}" });
        db.PhoneNumbers.Add(new PhoneNumber { Id = numberId, WorkspaceId = "ws_1", PhoneNumberId = "phnum_1", Number = "+15550001111", Provider = TelephonyProvider.SipTrunk, CreatedAt = now });
        db.Agents.Add(new Agent { Id = agentId, WorkspaceId = "ws_1", AgentId = "agent_1", CreatedAt = now, PhoneNumbers = [new AgentPhoneNumber { PhoneNumberId = numberId }] });
        db.Campaigns.Add(new Campaign { WorkspaceId = "ws_1", Id = "c1", GateMode = GateMode.TwilioAmdBridge, Status = CampaignStatus.Paused, CreatedAt = now, UpdatedAt = now });
        db.Calls.Add(new Call
        {
            Id = callId, WorkspaceId = "ws_1", CampaignId = "c1", AgentId = "agent_1", AgentPhoneNumberId = "phnum_1", ToNumber = "+15550002222",
            State = CallState.InProgress, Lane = CallLane.Bulk, GateMode = GateMode.TwilioAmdBridge, CreatedAt = now, UpdatedAt = now,
            NextAttemptAt = now, CostTwilio = 0.0125, MosScore = 4.2,
        });
        db.CallEvents.Add(new CallEvent { CallId = callId, FromState = CallState.Queued, ToState = CallState.Dialing, At = now, Attempt = 1 });
        db.IdempotencyKeys.Add(new IdempotencyRecord { WorkspaceId = "ws_1", Key = "k", RequestHash = "h", ResponseBody = "{}", StatusCode = 202, CreatedAt = now, ExpiresAt = now });
        db.DispatcherLeases.Add(new DispatcherLease { Name = "test", Holder = "me", ExpiresAt = now, AcquiredAt = now, Generation = 1 });
        db.Conversations.Add(new Conversation { ConversationId = "conv_1", WorkspaceId = "ws_1", CallId = callId, CreatedAt = now, UpdatedAt = now, StartedAt = now });
        db.SyncLogs.Add(new SyncLog { Id = Guid.CreateVersion7(), WorkspaceId = "ws_1", Type = "manual", StartedAt = now });
        db.CallDailyAggregates.Add(new CallDailyAggregate { WorkspaceId = "ws_1", AgentId = "agent_1", Day = new DateOnly(2026, 11, 1), Totals = new() { TotalCalls = 3, CostTwilioMicros = 1_500_000 }, UpdatedAt = now });
        db.CampaignDailyAggregates.Add(new CampaignDailyAggregate { WorkspaceId = "ws_1", CampaignId = "c1", Day = new DateOnly(2026, 11, 1), Totals = new() { Completed = 2 }, UpdatedAt = now });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var call = await db.Calls.SingleAsync(c => c.Id == callId);
        Assert.Equal(CallState.InProgress, call.State);
        Assert.Equal(GateMode.TwilioAmdBridge, call.GateMode);
        Assert.Equal(now, call.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, call.CreatedAt.Kind);
        Assert.Equal(0.0125, call.CostTwilio);
        Assert.Equal(CallState.Dialing, (await db.CallEvents.SingleAsync()).ToState);
        Assert.Equal(TelephonyProvider.SipTrunk, (await db.PhoneNumbers.SingleAsync()).Provider);
        Assert.Single(await db.AgentPhoneNumbers.ToListAsync());
        Assert.Equal(CampaignStatus.Paused, (await db.Campaigns.SingleAsync()).Status);
        Assert.Equal(3, (await db.CallDailyAggregates.SingleAsync()).Totals.TotalCalls);
        Assert.Equal(2, (await db.CampaignDailyAggregates.SingleAsync()).Totals.Completed);
        Assert.Equal("conv_1", (await db.Conversations.SingleAsync()).ConversationId);
        Assert.Equal("manual", (await db.SyncLogs.SingleAsync()).Type);
        Assert.Equal(1, (await db.DispatcherLeases.SingleAsync(l => l.Name == "test")).Generation);
        Assert.Equal(202, (await db.IdempotencyKeys.SingleAsync()).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheDatabaseRefusesASecondActiveCallToTheSameNumber(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var now = DateTime.UtcNow;
        Call NewCall(CallState state) => new()
        {
            Id = Guid.CreateVersion7(), WorkspaceId = "ws_1", AgentId = "a", AgentPhoneNumberId = "p", ToNumber = "+15550002222",
            State = state, CreatedAt = now, UpdatedAt = now,
        };

        // Any number of queued or finished calls to one number may coexist...
        db.Calls.AddRange(NewCall(CallState.Queued), NewCall(CallState.Queued), NewCall(CallState.Completed), NewCall(CallState.Dialing));
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // ...but only one that holds a slot.
        db.Calls.Add(NewCall(CallState.Ringing));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task MigratingTwiceChangesNothing(DatabaseKind kind)
    {
        await using var factory = await StartAsync(kind);
        await using var scope = factory.Services.CreateAsyncScope();
        var applied = await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync();
        Assert.Empty(applied);
    }

    private static async Task<List<string>> ColumnsAsync(OrchestratorDbContext db, string table)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            await using DbCommand command = connection.CreateCommand();
            command.CommandText = db.Database.IsNpgsql()
                ? $"SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}'"
                : $"SELECT name FROM pragma_table_info('{table}')";
            var columns = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                columns.Add(reader.GetString(0));
            }

            return columns;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
