using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>A conversation as the simulator recorded it, for assertions in tests (<c>GET /_sim/conversations/{id}</c>).</summary>
/// <param name="Provider"><c>twilio</c> or <c>sip_trunk</c>: the route that placed the call.</param>
/// <param name="CallSid">The Twilio call SID, or the SIP call id.</param>
/// <param name="Status">Contract status: initiated | in-progress | done | failed.</param>
/// <param name="CallResult">Contract <c>call_result</c> once known: answered | busy | no_answer | failed.</param>
/// <param name="Request">The outbound-call request body exactly as received.</param>
public sealed record ConversationSnapshot(
    string ConversationId,
    string Provider,
    string CallSid,
    string AgentId,
    string AgentPhoneNumberId,
    string ToNumber,
    string Status,
    string? CallResult,
    DateTimeOffset StartedAt,
    DateTimeOffset? AnsweredAt,
    DateTimeOffset? EndedAt,
    JsonElement Request)
{
    internal static ConversationSnapshot Of(SimulatedConversation conversation)
    {
        var progress = conversation.Progress;
        return new ConversationSnapshot(
            conversation.ConversationId,
            conversation.Channel.ProviderName(),
            conversation.CallSid,
            conversation.AgentId,
            conversation.AgentPhoneNumberId,
            conversation.ToNumber,
            progress.Status.ToWire(),
            progress.Result?.CallResult(),
            conversation.StartedAt,
            progress.AnsweredAt,
            progress.EndedAt,
            conversation.Request);
    }

    /// <summary><c>conversation_initiation_client_data.dynamic_variables</c> of the request, if it had any.</summary>
    public JsonElement? DynamicVariables =>
        Request.ValueKind == JsonValueKind.Object
        && Request.TryGetProperty("conversation_initiation_client_data", out var clientData)
        && clientData.ValueKind == JsonValueKind.Object
        && clientData.TryGetProperty("dynamic_variables", out var variables)
            ? variables
            : null;
}
