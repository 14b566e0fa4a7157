using VoiceOrchestrator.Api;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Calls;

/// <summary>The checked changes a PATCH makes to a queued call; null fields stay as they are.</summary>
public sealed record CallChanges(
    string? AgentId, string? AgentPhoneNumberId, string? ToNumber, string? FromNumber, string? Variables, string? Metadata,
    int? MachineDetectionTimeout, bool? EnableMachineDetection, int? Priority, DateTime? NextAttemptAt)
{
    public static CallChanges From(UpdateCallRequest request, Call current, WorkspaceDirectory directory, ValidationErrors errors)
    {
        var to = CallIntake.PickAlias(request.ToNumber, request.To, "toNumber", "to", errors);
        var from = CallIntake.PickAlias(request.FromNumber, request.From, "fromNumber", "from", errors);
        CallIntake.CheckNumber(to, "toNumber", required: false, errors);
        CallIntake.CheckNumber(from, "fromNumber", required: false, errors);
        if (request.AgentId is { } agentId && !directory.HasAgent(agentId))
        {
            errors.Add("agentId", $"Agent '{agentId}' is not registered to this workspace.");
        }

        if (request.AgentPhoneNumberId is { } numberId && directory.FindNumber(numberId) is null)
        {
            errors.Add("agentPhoneNumberId", $"Phone number '{numberId}' is not registered to this workspace.");
        }

        CallIntake.CheckSettings(request.MachineDetectionTimeout, concurrency: null, request.Priority, errors);
        var variables = JsonValues.ObjectText(request.Variables, "variables", errors, primitivesOnly: true);
        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        DateTime? scheduledAt = request.ScheduledAt is { } at ? DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc) : null;
        return new CallChanges(request.AgentId, request.AgentPhoneNumberId, to, from, variables, metadata,
            request.MachineDetectionTimeout, request.EnableMachineDetection, request.Priority, scheduledAt);
    }
}
