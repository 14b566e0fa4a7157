using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Providers.GenericProvider;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dial path of calls the generic provider places (<see cref="GenericProvider.Dials"/>). The call is
/// already committed as <c>dialing</c>; the request is sent once. The provider has no API to look a call
/// up, so an ambiguous answer is never redialed: the call holds its slot until a callback settles it,
/// or its lease ends it <c>expired</c> (a later callback still settles it then).
/// </summary>
public sealed class GenericCallDialer(
    GenericProviderClient client, CallTransitions transitions, IOptions<OrchestratorOptions> options, TimeProvider clock, ILogger<GenericCallDialer> logger)
{
    private static readonly CallState[] Dialing = [CallState.Dialing];
    private static readonly CallState[] Active = [CallState.Dialing, CallState.Ringing, CallState.InProgress];

    public async Task<DialOutcome> DialAsync(Call call, CallDialer dialer, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!GenericProvider.IsConfigured(settings))
        {
            await transitions.ApplyAsync(call.Id, Dialing, CallState.Failed, "generic_provider_not_configured", new CallChange
            {
                FailureReason = "generic_provider_not_configured",
                LastError = "AI_CALL_API_URL is not set",
                Ended = true,
                Lease = Settable<DateTime>.Clear,
            }, CancellationToken.None);
            return new DialOutcome(DialOutcomeKind.Refused, Message: "AI_CALL_API_URL is not set");
        }

        var metadata = call.Metadata is { } text ? JsonNode.Parse(text) : null;
        var outcome = await client.PlaceCallAsync(call.ToNumber, call.AgentId, GenericProvider.WebhookUrl(settings), metadata, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var error = outcome.Describe();
        switch (outcome.Kind)
        {
            case DialOutcomeKind.Accepted:
                // Ringing until the callback: the provider reports only the end of the call.
                await transitions.ApplyAsync(call.Id, Dialing, CallState.Ringing, "provider_accepted", new CallChange
                {
                    ProviderCallId = outcome.ProviderCallId,
                    Lease = new(now.AddSeconds(settings.CallLeaseSeconds)),
                }, CancellationToken.None);
                break;

            case DialOutcomeKind.Capacity:
                await transitions.ApplyAsync(call.Id, Dialing, CallState.Queued, "provider_at_capacity", new CallChange
                {
                    AttemptDelta = -1,
                    NextAttempt = new(now + RetryPolicy.Backoff(1, RetryPolicy.CapacityBase, RetryPolicy.CapacityCap, outcome.RetryAfter)),
                    Lease = Settable<DateTime>.Clear,
                    LastError = error,
                }, CancellationToken.None);
                break;

            case DialOutcomeKind.NotDialed:
                await dialer.RetryOrFailAsync(call, "provider_unreachable", error, CancellationToken.None);
                break;

            case DialOutcomeKind.Refused:
                await transitions.ApplyAsync(call.Id, Dialing, CallState.Failed, "provider_refused", new CallChange
                {
                    FailureReason = outcome.ErrorCode ?? "provider_refused",
                    LastError = error,
                    Ended = true,
                    Lease = Settable<DateTime>.Clear,
                }, CancellationToken.None);
                break;

            case DialOutcomeKind.Ambiguous:
                logger.LogWarning("Generic provider: dial outcome unknown for call {CallId}: {Error}; holding its slot until a callback or the lease", call.Id, error);
                await transitions.UpdateAsync(call.Id, CallState.Dialing, new CallChange
                {
                    LastError = error,
                    Lease = new(now.AddSeconds(settings.CallLeaseSeconds)),
                }, CancellationToken.None);
                break;
        }

        return outcome;
    }

    /// <summary>The sweeper's answer for a generic call whose lease ran out: nothing to ask, so <c>expired</c>.</summary>
    public static Task ExpireAsync(CallTransitions transitions, Call call, CancellationToken cancellationToken) =>
        transitions.ApplyAsync(call.Id, Active, CallState.Expired, "lease_expired", new CallChange
        {
            LastError = "no status callback from the generic provider before the lease ran out",
            Ended = true,
            Lease = Settable<DateTime>.Clear,
        }, cancellationToken);
}
