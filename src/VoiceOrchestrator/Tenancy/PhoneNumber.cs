namespace VoiceOrchestrator.Tenancy;

public enum TelephonyProvider
{
    Twilio,
    SipTrunk,
}

/// <summary>A phone number imported into ElevenLabs (<c>phnum_…</c>) that a workspace dials from.</summary>
public sealed class PhoneNumber
{
    public Guid Id { get; set; }
    public required string WorkspaceId { get; set; }

    /// <summary>The ElevenLabs phone number id (<c>phnum_…</c>), unique within the workspace.</summary>
    public required string PhoneNumberId { get; set; }

    /// <summary>The number itself, E.164.</summary>
    public required string Number { get; set; }

    public TelephonyProvider Provider { get; set; }
    public string? Label { get; set; }

    /// <summary>Overrides ELEVENLABS_OUTBOUND_CALLS_PATH for calls from this number.</summary>
    public string? OutboundCallsPath { get; set; }

    public DateTime CreatedAt { get; set; }
}
