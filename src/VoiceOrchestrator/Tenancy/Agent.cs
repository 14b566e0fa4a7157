namespace VoiceOrchestrator.Tenancy;

/// <summary>An ElevenLabs agent registered to a workspace; calls name it by its ElevenLabs id.</summary>
public sealed class Agent
{
    public Guid Id { get; set; }
    public required string WorkspaceId { get; set; }

    /// <summary>The ElevenLabs agent id (<c>agent_…</c>), unique within the workspace.</summary>
    public required string AgentId { get; set; }

    public string? Name { get; set; }
    public DateTime CreatedAt { get; set; }

    public List<AgentPhoneNumber> PhoneNumbers { get; set; } = [];
}
