using System.Text.Json;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Compat.SlotScheduler;

/// <summary>
/// Turns an <c>/enqueue-call</c> request into a call of the one queue, through the same intake as
/// <c>POST /calls/priority</c>: priority lane, the request's integer <c>priority</c> (higher is dialed
/// first), no campaign. As in the original, the agent and phone-number ids are passed to ElevenLabs as
/// given, so they need not be registered to the workspace.
/// </summary>
public static class EnqueueCallIntake
{
    public const string Source = "enqueue";

    /// <summary>Keys of the contract's <c>conversation_initiation_client_data</c> (§2.1): an object with any of them is passed as is.</summary>
    private static readonly HashSet<string> ClientDataKeys =
    [
        "dynamic_variables", "conversation_config_override", "custom_llm_extra_body", "user_id", "source_info",
        "branch_id", "environment", "starting_workflow_node_id", "procedure_ids",
    ];

    public static Call? Build(EnqueueCallRequest request, string workspaceId, TimeProvider clock, OrchestratorOptions options, ValidationErrors errors)
    {
        var payload = request.Payload;
        if (payload is null)
        {
            errors.Add("payload", "Required: {agentId, agentPhoneNumberId, toNumber, conversationInitiationClientData}.");
            return null;
        }

        RequireId(payload.AgentId, "payload.agentId", "the ElevenLabs agent id", errors);
        RequireId(payload.AgentPhoneNumberId, "payload.agentPhoneNumberId", "the ElevenLabs phone number id", errors);
        CallIntake.CheckNumber(payload.ToNumber, "payload.toNumber", required: true, errors);
        CallIntake.CheckNumber(payload.FromNumber, "payload.fromNumber", required: false, errors);
        var settings = CallIntake.CheckSettings(null, null, request.Priority, errors);
        var (variables, clientData) = ClientData(payload.ConversationInitiationClientData, errors);
        if (!errors.IsEmpty)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return new Call
        {
            Id = CallIds.New(clock),
            WorkspaceId = workspaceId,
            Lane = CallLane.Priority,
            Priority = settings.Priority,
            Source = Source,
            AgentId = payload.AgentId!,
            AgentPhoneNumberId = payload.AgentPhoneNumberId!,
            ToNumber = payload.ToNumber!,
            FromNumber = payload.FromNumber,
            Variables = variables,
            ClientData = clientData,
            GateMode = GateMode.Direct,
            // The scheduler knew only the global limit: the widest per-request concurrency there is.
            Concurrency = 100,
            MaxAttempts = options.MaxRetryAttempts,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>A flat object becomes dynamic variables; an object with the contract's keys is sent as is.</summary>
    internal static (string? Variables, string? ClientData) ClientData(JsonElement? element, ValidationErrors errors)
    {
        const string field = "payload.conversationInitiationClientData";
        if (element is { ValueKind: JsonValueKind.Object } value && value.EnumerateObject().Any(p => ClientDataKeys.Contains(p.Name)))
        {
            return (null, JsonValues.ObjectText(value, field, errors));
        }

        return (JsonValues.ObjectText(element, field, errors, primitivesOnly: true), null);
    }

    private static void RequireId(string? value, string field, string what, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(field, $"Required: {what}.");
        }
        else if (value.Length > 128)
        {
            errors.Add(field, "Must be at most 128 characters.");
        }
    }
}
