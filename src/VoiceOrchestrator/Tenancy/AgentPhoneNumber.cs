namespace VoiceOrchestrator.Tenancy;

/// <summary>Which numbers an agent may call from.</summary>
public sealed class AgentPhoneNumber
{
    public Guid AgentId { get; set; }
    public Guid PhoneNumberId { get; set; }
}
