using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Providers.Twilio;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Places a <c>twilio_amd_bridge</c> call: one Twilio call, nothing at ElevenLabs yet. With machine detection the
/// call holds the line (TwiML pause) while AMD runs asynchronously; the AMD callback then connects the agent or
/// hangs up (<see cref="TwilioBridge"/>). Without it, Twilio fetches the connecting TwiML at answer.
/// </summary>
public sealed class TwilioAmdDialer(
    OrchestratorDbContext db,
    TwilioClient twilio,
    TwilioCallPacer pacer,
    CallTransitions transitions,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock)
{
    /// <summary>What <see cref="CallDialer"/> records as the route of these dials (not a SIP trunk).</summary>
    public const string Route = "twilio/calls";

    public const string HoldTwiml = "<Response><Pause length=\"60\"/></Response>";
    private static readonly string[] StatusEvents = ["initiated", "ringing", "answered", "completed"];
    private static readonly TimeSpan WaitingLease = TimeSpan.FromSeconds(30);

    public async Task<DialOutcome> PlaceAsync(Call call, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.TwilioAccountSid is not { } accountSid || settings.TwilioAuthToken is null)
        {
            return new DialOutcome(DialOutcomeKind.Refused, ErrorCode: "twilio_not_configured",
                Message: "x-gate-mode twilio_amd_bridge needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
        }

        var from = call.FromNumber ?? settings.TwilioFromFallback
            ?? await db.PhoneNumbers.Where(p => p.WorkspaceId == call.WorkspaceId && p.PhoneNumberId == call.AgentPhoneNumberId)
                .Select(p => p.Number).FirstOrDefaultAsync(cancellationToken);
        if (from is null)
        {
            return new DialOutcome(DialOutcomeKind.Refused, ErrorCode: "no_from_number", Message: "no fromNumber, TWILIO_FROM_FALLBACK or phone number to call from");
        }

        var sentAt = await pacer.WaitTurnAsync(
            token => transitions.UpdateAsync(call.Id, CallState.Dialing, new CallChange { Lease = new(clock.GetUtcNow().UtcDateTime + WaitingLease) }, token),
            cancellationToken);
        if (sentAt is null)
        {
            // Someone else settled the call while it waited: it must not be dialed, and nothing here is known to have happened.
            return new DialOutcome(DialOutcomeKind.Ambiguous, Message: "the call left 'dialing' while waiting for TWILIO_CPS");
        }

        // dialedAt is when the create request goes out (after the CPS wait): the pace Twilio sees, and the lower bound reconciliation searches from.
        await db.Calls.Where(c => c.Id == call.Id && c.State == CallState.Dialing)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.DialedAt, sentAt.Value), CancellationToken.None);
        var outcome = await twilio.CreateCallAsync(accountSid, Form(call, from, settings.EffectivePublicBaseUrl), cancellationToken);
        if (outcome.Kind == DialOutcomeKind.Accepted)
        {
            var amdStatus = call.EnableMachineDetection ? null : AmdResult.NotUsed;
            await db.Calls.Where(c => c.Id == call.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.TwilioCallSid, outcome.ProviderCallId)
                .SetProperty(c => c.FromNumber, c => c.FromNumber ?? from)
                .SetProperty(c => c.AmdStatus, c => c.AmdStatus ?? amdStatus), CancellationToken.None);
        }

        return outcome;
    }

    /// <summary>The create-call form (contract §2.1); callbacks name our call and attempt, so a late event of an earlier attempt is recognised.</summary>
    public static List<KeyValuePair<string, string>> Form(Call call, string from, string publicBaseUrl)
    {
        var query = $"?callId={call.Id}&attempt={call.Attempts}";
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", call.ToNumber),
            new("From", from),
            new("StatusCallback", publicBaseUrl + TwilioBridge.StatusPath + query),
            new("StatusCallbackMethod", "POST"),
        };
        form.AddRange(StatusEvents.Select(e => new KeyValuePair<string, string>("StatusCallbackEvent", e)));
        if (call.EnableMachineDetection)
        {
            form.Add(new("Twiml", HoldTwiml));
            form.Add(new("MachineDetection", "Enable"));
            form.Add(new("AsyncAmd", "true"));
            form.Add(new("AsyncAmdStatusCallback", publicBaseUrl + TwilioBridge.AmdPath + query));
            form.Add(new("AsyncAmdStatusCallbackMethod", "POST"));
            form.Add(new("MachineDetectionTimeout", call.MachineDetectionTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        else
        {
            form.Add(new("Url", publicBaseUrl + TwilioBridge.TwimlPath + query));
            form.Add(new("Method", "POST"));
        }

        return form;
    }
}
