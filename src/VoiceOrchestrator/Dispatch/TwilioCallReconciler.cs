using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.Twilio;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

public enum TwilioReconciliation
{
    /// <summary>Twilio's call resource settled or advanced the call.</summary>
    Settled,

    /// <summary>Twilio shows no call for this attempt: it was never placed and may be dialed again.</summary>
    NotPlaced,

    /// <summary>Twilio could not tell; wait, then expire.</summary>
    Unknown,
}

/// <summary>
/// The sweeper's look at Twilio for an AMD-bridge call whose lease ran out (design §3: "for Twilio, the call
/// resource"). A dial whose answer was lost is found by listing the calls to its number since it was dialed.
/// </summary>
public sealed class TwilioCallReconciler(
    OrchestratorDbContext db, TwilioClient twilio, CallTransitions transitions, IOptions<OrchestratorOptions> options, ILogger<TwilioCallReconciler> logger)
{
    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress, CallState.Expired];
    private static readonly CallState[] BeforeAnswer = [CallState.Dialing, CallState.Ringing];
    private static readonly string[] Rfc2822 = ["ddd, dd MMM yyyy HH:mm:ss '+0000'", "r"];
    private static readonly TimeSpan LiveLease = TimeSpan.FromMinutes(1);

    public async Task<TwilioReconciliation> ReconcileAsync(Call call, DateTime now, CancellationToken cancellationToken)
    {
        if (options.Value.TwilioAccountSid is not { } accountSid)
        {
            return TwilioReconciliation.Unknown;
        }

        var sid = call.TwilioCallSid ?? call.ProviderCallId;
        JsonElement? resource;
        if (sid is null)
        {
            resource = await FindPlacedAsync(accountSid, call, cancellationToken);
            if (resource is null)
            {
                return call.State == CallState.Dialing ? TwilioReconciliation.NotPlaced : TwilioReconciliation.Unknown;
            }

            sid = Text(resource.Value, "sid");
            await db.Calls.Where(c => c.Id == call.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.TwilioCallSid, sid), cancellationToken);
        }
        else
        {
            resource = await twilio.GetCallAsync(accountSid, sid, cancellationToken);
            if (resource is null)
            {
                return call.State == CallState.Dialing ? TwilioReconciliation.NotPlaced : TwilioReconciliation.Unknown;
            }
        }

        var status = Text(resource.Value, "status");
        switch (status)
        {
            case "queued" or "ringing":
                await transitions.ApplyAsync(call.Id, [CallState.Dialing], CallState.Ringing, "reconciled:twilio", new CallChange { ProviderCallId = sid }, cancellationToken);
                await transitions.UpdateAsync(call.Id, CallState.Ringing, new CallChange { Lease = new(now + LiveLease) }, cancellationToken);
                return TwilioReconciliation.Settled;
            case "in-progress":
                await transitions.ApplyAsync(call.Id, BeforeAnswer, CallState.InProgress, "reconciled:twilio", new CallChange { ProviderCallId = sid, AnsweredAt = now }, cancellationToken);
                await transitions.UpdateAsync(call.Id, CallState.InProgress, new CallChange { Lease = new(now + LiveLease) }, cancellationToken);
                return TwilioReconciliation.Settled;
            case "completed" or "busy" or "no-answer" or "failed" or "canceled":
                var state = TwilioBridge.FinalState(status);
                int? duration = int.TryParse(Text(resource.Value, "duration"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
                await transitions.ApplyAsync(call.Id, Open, state, "reconciled:twilio", new CallChange
                {
                    ProviderCallId = sid,
                    Ended = true,
                    Lease = Settable<DateTime>.Clear,
                    DurationSecs = duration,
                    FailureReason = state == CallState.Completed ? null : status.Replace('-', '_'),
                }, cancellationToken);
                return TwilioReconciliation.Settled;
            default:
                logger.LogWarning("Twilio call {Sid} of call {CallId} has status {Status}", sid, call.Id, status);
                return TwilioReconciliation.Unknown;
        }
    }

    /// <summary>A call to this number created since this attempt was dialed (a minute's clock skew allowed).</summary>
    private async Task<JsonElement?> FindPlacedAsync(string accountSid, Call call, CancellationToken cancellationToken)
    {
        var since = (call.DialedAt ?? call.CreatedAt).AddMinutes(-1);
        foreach (var candidate in await twilio.ListCallsToAsync(accountSid, call.ToNumber, cancellationToken))
        {
            if (DateTimeOffset.TryParseExact(Text(candidate, "date_created"), Rfc2822, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
                && created.UtcDateTime >= since)
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
