using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Providers.Twilio;

/// <summary>
/// The AMD bridge's reactions to Twilio (design §5): status callbacks move the call and release its slot, the AMD
/// result connects a person to the agent (ElevenLabs register-call TwiML, redirected into the live call) or hangs up
/// on a machine, and the TwiML route connects a call placed without AMD at answer. Every handler is safe to run
/// twice and in any order: transitions are guarded by state, and the AMD result is recorded once.
/// </summary>
public sealed class TwilioBridge(
    OrchestratorDbContext db,
    CallTransitions transitions,
    TwilioClient twilio,
    ElevenLabsClient elevenLabs,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock,
    ILogger<TwilioBridge> logger)
{
    public const string StatusPath = "/webhooks/twilio/status";
    public const string AmdPath = "/webhooks/twilio/amd";
    public const string TwimlPath = "/webhooks/twilio/twiml";
    public const string HangupTwiml = "<Response><Hangup/></Response>";

    private static readonly CallState[] Open = [CallState.Dialing, CallState.Ringing, CallState.InProgress, CallState.Expired];
    private static readonly CallState[] Live = [CallState.Dialing, CallState.Ringing, CallState.InProgress];
    private static readonly CallState[] BeforeAnswer = [CallState.Dialing, CallState.Ringing];

    /// <summary>A status callback (contract §5). Returns what became of it, for the answer body and the logs.</summary>
    public async Task<string> OnStatusAsync(Guid callId, int attempt, IFormCollection form, CancellationToken cancellationToken)
    {
        var sid = form["CallSid"].ToString();
        if (await FindAsync(callId, attempt, sid, cancellationToken) is not { } call)
        {
            return "unknown_call";
        }

        var status = form["CallStatus"].ToString();
        TransitionResult result;
        switch (status)
        {
            case "ringing":
                result = await transitions.ApplyAsync(call.Id, [CallState.Dialing], CallState.Ringing, "twilio:ringing",
                    new CallChange { ProviderCallId = NullIfEmpty(sid) }, cancellationToken);
                break;
            case "in-progress":
                result = await MarkAnsweredAsync(call.Id, sid, "twilio:answered", cancellationToken);
                break;
            case "completed" or "busy" or "no-answer" or "failed" or "canceled":
                int? duration = int.TryParse(form["CallDuration"], out var seconds) ? seconds : null;
                var state = FinalState(status);
                // Our hang-up on a machine can be reported before the AMD handler has recorded machine_detected.
                var screenedOut = state == CallState.Completed && ScreenedOut(call.AmdStatus);
                result = await transitions.ApplyAsync(call.Id, Open, screenedOut ? CallState.MachineDetected : state, "twilio:" + status, new CallChange
                {
                    ProviderCallId = NullIfEmpty(sid),
                    Ended = true,
                    Lease = Settable<DateTime>.Clear,
                    DurationSecs = duration,
                    FailureReason = state == CallState.Completed ? null : status.Replace('-', '_'),
                    TerminationReason = screenedOut ? "machine_detected" : null,
                }, cancellationToken);
                // Also for a call already settled (machine_detected, or ended first by the ElevenLabs webhook): the Twilio leg's figures are Twilio's.
                await RecordTwilioFiguresAsync(call.Id, duration, cancellationToken);
                break;
            default:
                return "ignored";
        }

        return result == TransitionResult.Applied ? "applied" : "ignored";
    }

    /// <summary>The async AMD result (contract §6.2): connect the agent or hang up on the machine.</summary>
    public async Task<string> OnAmdAsync(Guid callId, int attempt, IFormCollection form, CancellationToken cancellationToken)
    {
        var sid = form["CallSid"].ToString();
        if (await FindAsync(callId, attempt, sid, cancellationToken) is not { } call)
        {
            return "unknown_call";
        }

        var answeredBy = form["AnsweredBy"].ToString();
        int? detectionMs = int.TryParse(form["MachineDetectionDuration"], out var ms) ? ms : null;
        var verdict = AmdResult.Classify(answeredBy);
        var amdStatus = verdict.ToStatus();
        // The first result wins; a repeated callback finds it recorded and does nothing more (no second bridge).
        var recorded = await db.Calls.Where(c => c.Id == callId && c.AnsweredBy == null).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.AnsweredBy, answeredBy)
            .SetProperty(c => c.AmdStatus, amdStatus)
            .SetProperty(c => c.AmdDetectionMs, detectionMs), cancellationToken);
        if (recorded == 0 || call.State.IsTerminal())
        {
            return "ignored";
        }

        var twilioSid = call.TwilioCallSid ?? NullIfEmpty(sid);
        if (ScreenedOut(amdStatus))
        {
            // Hang up first, then free the slot: the slot is held until the line is dropped.
            var hangUp = twilioSid is null ? null : await HangUpAsync(twilioSid, cancellationToken);
            await transitions.ApplyAsync(call.Id, Live, CallState.MachineDetected, "amd:" + answeredBy, new CallChange
            {
                Ended = true,
                Lease = Settable<DateTime>.Clear,
                TerminationReason = "machine_detected",
                LastError = hangUp is { Succeeded: false } ? $"hang-up failed: {hangUp.StatusCode} {hangUp.Code} {hangUp.Message}" : null,
            }, cancellationToken);
            return "machine";
        }

        await MarkAnsweredAsync(call.Id, sid, "amd:" + answeredBy, cancellationToken);
        var twiml = await RegisterAsync(call, twilioSid, cancellationToken);
        if (twiml is null || twilioSid is null)
        {
            return "failed";
        }

        var redirect = await twilio.UpdateCallAsync(options.Value.TwilioAccountSid!, twilioSid, [new("Twiml", twiml)], cancellationToken);
        if (!redirect.Succeeded)
        {
            // 21220: the callee hung up meanwhile; the status callback settles the call.
            logger.LogWarning("Redirecting Twilio call {Sid} of call {CallId} to the agent failed: {Status} {Code} {Message}",
                twilioSid, call.Id, redirect.StatusCode, redirect.Code, redirect.Message);
            await transitions.UpdateAsync(call.Id, CallState.InProgress, new CallChange { LastError = $"redirect failed: {redirect.Code} {redirect.Message}" }, cancellationToken);
            return "redirect_failed";
        }

        return "bridged";
    }

    /// <summary>The TwiML a call placed without AMD runs at answer: the agent's, from register-call.</summary>
    public async Task<string> TwimlAtAnswerAsync(Guid callId, int attempt, IFormCollection form, CancellationToken cancellationToken)
    {
        var sid = form["CallSid"].ToString();
        if (await FindAsync(callId, attempt, sid, cancellationToken) is not { } call || call.State.IsTerminal())
        {
            return HangupTwiml;
        }

        await MarkAnsweredAsync(call.Id, sid, "twilio:answered", cancellationToken);
        return await RegisterAsync(call, call.TwilioCallSid ?? NullIfEmpty(sid), cancellationToken) ?? HangupTwiml;
    }

    /// <summary>Registers the call with ElevenLabs; on failure hangs up and fails the call (null).</summary>
    private async Task<string?> RegisterAsync(Call call, string? twilioSid, CancellationToken cancellationToken)
    {
        var from = call.FromNumber ?? options.Value.TwilioFromFallback ?? "";
        var registered = await elevenLabs.RegisterCallAsync(call.AgentId, from, call.ToNumber, CallDialer.ClientData(call), cancellationToken);
        if (registered.Succeeded)
        {
            return registered.Twiml;
        }

        logger.LogWarning("ElevenLabs register-call for call {CallId} failed: {Error}", call.Id, registered.Error);
        if (twilioSid is not null)
        {
            await HangUpAsync(twilioSid, cancellationToken);
        }

        await transitions.ApplyAsync(call.Id, Live, CallState.Failed, "register_call_failed", new CallChange
        {
            FailureReason = "register_call_failed",
            LastError = registered.Error,
            Ended = true,
            Lease = Settable<DateTime>.Clear,
        }, cancellationToken);
        return null;
    }

    private Task<TwilioUpdateResult> HangUpAsync(string twilioSid, CancellationToken cancellationToken) =>
        twilio.UpdateCallAsync(options.Value.TwilioAccountSid!, twilioSid, [new("Status", "completed")], cancellationToken);

    private Task<TransitionResult> MarkAnsweredAsync(Guid callId, string sid, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return transitions.ApplyAsync(callId, BeforeAnswer, CallState.InProgress, reason, new CallChange
        {
            ProviderCallId = NullIfEmpty(sid),
            AnsweredAt = now,
            Lease = new(now.AddSeconds(options.Value.CallLeaseSeconds)),
        }, cancellationToken);
    }

    /// <summary>
    /// Twilio's cost of the call: started minutes at TWILIO_PRICE_PER_MINUTE plus TWILIO_AMD_PRICE_PER_CALL when AMD
    /// answered (the callbacks carry no price; the resource's <c>price</c> excludes AMD and comes later).
    /// </summary>
    private async Task RecordTwilioFiguresAsync(Guid callId, int? durationSecs, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var minutes = durationSecs is > 0 ? (durationSecs.Value + 59) / 60 : 0;
        var talk = minutes * settings.TwilioPricePerMinute;
        var amd = settings.TwilioAmdPricePerCall;
        await db.Calls.Where(c => c.Id == callId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.CostTwilio, c => c.AnsweredBy != null ? talk + amd : talk)
            .SetProperty(c => c.DurationSecs, c => c.DurationSecs ?? durationSecs), cancellationToken);
    }

    /// <summary>The call a callback names, unless it belongs to an earlier attempt or another Twilio call.</summary>
    private async Task<Call?> FindAsync(Guid callId, int attempt, string sid, CancellationToken cancellationToken)
    {
        var call = await db.Calls.AsNoTracking().FirstOrDefaultAsync(c => c.Id == callId, cancellationToken);
        if (call is null || call.GateMode != GateMode.TwilioAmdBridge || call.Attempts != attempt
            || (call.TwilioCallSid is { } known && sid.Length > 0 && known != sid))
        {
            logger.LogInformation("Twilio callback for call {CallId} attempt {Attempt} ({Sid}) matches no current attempt", callId, attempt, sid);
            return null;
        }

        return call;
    }

    /// <summary>Whether an <c>amdStatus</c> means hanging up: a machine, or unknown when TWILIO_AMD_UNKNOWN_AS_HUMAN is false.</summary>
    private bool ScreenedOut(string? amdStatus) =>
        amdStatus == AmdVerdict.Machine.ToStatus() || (amdStatus == AmdVerdict.Unknown.ToStatus() && !options.Value.TwilioAmdUnknownAsHuman);

    public static CallState FinalState(string twilioStatus) => twilioStatus switch
    {
        "completed" => CallState.Completed,
        "busy" => CallState.Busy,
        "no-answer" => CallState.NoAnswer,
        "canceled" => CallState.Cancelled,
        _ => CallState.Failed,
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
