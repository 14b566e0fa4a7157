using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Reporting;

/// <summary>
/// Calls of one workspace spread over the 30 days before a clock's now, in every final state, with
/// AMD outcomes, provider costs and quality figures on some and not others, plus calls still queued
/// or active on old days (which retention must leave alone). Written straight to the database in
/// bulk, with their events, as the service would have left them.
/// </summary>
public sealed class ReportingData
{
    private static readonly CallState[] States =
    [
        CallState.Completed, CallState.Completed, CallState.Busy, CallState.Completed, CallState.NoAnswer, CallState.MachineDetected,
        CallState.Completed, CallState.Failed, CallState.MachineDetected, CallState.Cancelled, CallState.Completed, CallState.Expired,
    ];

    public List<Call> Calls { get; } = [];

    public static async Task<ReportingData> InsertAsync(
        OrchestratorFactory factory, string workspaceId, string[] agents, DateTime now, int seed, int durationScale = 1)
    {
        var data = new ReportingData();
        var random = new Random(seed);
        var today = now.Date;
        var number = 0;
        for (var day = 0; day < 30; day++)
        {
            var dayStart = today.AddDays(-day);
            for (var i = 0; i < States.Length + 2; i++)
            {
                var created = dayStart.AddMinutes(60 + i * 7 + random.Next(5));
                if (day == 0)
                {
                    // Today's calls all lie before now and ended 10-50 minutes ago: the "current rate".
                    created = now.AddMinutes(-60 + i * 2);
                }

                var state = i < States.Length ? States[i] : (i == States.Length ? CallState.Queued : CallState.InProgress);
                if (state is CallState.Queued or CallState.InProgress && day % 7 != 3)
                {
                    continue;
                }

                var call = new Call
                {
                    Id = Guid.NewGuid(),
                    WorkspaceId = workspaceId,
                    CampaignId = (i % 3) switch { 0 => "spring", 1 => "autumn", _ => null },
                    AgentId = agents[i % agents.Length],
                    AgentPhoneNumberId = "phnum_test",
                    ToNumber = $"+1555{seed:D2}{number++:D5}",
                    State = state,
                    CreatedAt = created,
                    UpdatedAt = created,
                    Attempts = state == CallState.Queued ? 0 : 1,
                    NextAttemptAt = state == CallState.Queued ? now.AddYears(1) : null,
                    LeaseExpiresAt = state == CallState.InProgress ? now.AddYears(1) : null,
                    GateMode = i % 2 == 0 || i == 5 ? GateMode.TwilioAmdBridge : GateMode.Direct,
                    SipTrunkUsed = i == 6,
                };
                if (state.IsTerminal())
                {
                    call.EndedAt = day == 0 ? now.AddMinutes(-10 - i * 3) : created.AddMinutes(5);
                    call.DurationSecs = state switch
                    {
                        CallState.Completed => (30 + random.Next(270)) * durationScale,
                        CallState.MachineDetected => (10 + random.Next(30)) * durationScale,
                        _ => null,
                    };
                }

                if (call.GateMode == GateMode.TwilioAmdBridge && state is CallState.Completed or CallState.MachineDetected or CallState.Cancelled)
                {
                    // One machine_detected call in each day was let through as human: a false positive.
                    call.AnsweredBy = state switch
                    {
                        CallState.Completed => "human",
                        CallState.MachineDetected => i == 8 ? "human" : "machine_end_beep",
                        _ => "unknown",
                    };
                    call.AmdStatus = "completed";
                }

                if (i % 4 == 0 && state == CallState.Completed)
                {
                    call.CostTwilio = 0.25;
                    call.CostElevenLabs = 0.5;
                }

                if (state == CallState.Completed)
                {
                    switch (i % 3)
                    {
                        case 0:
                            call.MosScore = 3.0 + random.Next(16) / 10.0;
                            call.Jitter = random.Next(60);
                            call.PacketLoss = random.Next(8);
                            break;
                        case 1:
                            call.Jitter = random.Next(60);
                            call.PacketLoss = random.Next(8);
                            break;
                        default:
                            break;
                    }
                }

                data.Calls.Add(call);
            }
        }

        var events = data.Calls.Select(c => new CallEvent { CallId = c.Id, ToState = CallState.Queued, Reason = "accepted", At = c.CreatedAt })
            .Concat(data.Calls.Where(c => c.State.IsTerminal()).Select(c => new CallEvent
            {
                CallId = c.Id, FromState = CallState.InProgress, ToState = c.State, Reason = "test", Attempt = 1, At = c.EndedAt!.Value,
            }))
            .ToList();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await BulkInserter.InsertAsync(db, data.Calls, CancellationToken.None);
        await BulkInserter.InsertAsync(db, events, CancellationToken.None);
        foreach (var campaign in new[] { "spring", "autumn" })
        {
            if (!await db.Campaigns.AnyAsync(c => c.WorkspaceId == workspaceId && c.Id == campaign))
            {
                db.Campaigns.Add(new Campaign { WorkspaceId = workspaceId, Id = campaign, Name = campaign, CreatedAt = now, UpdatedAt = now });
            }
        }

        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return data;
    }
}
