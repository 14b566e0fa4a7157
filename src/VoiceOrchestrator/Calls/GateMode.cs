namespace VoiceOrchestrator;

/// <summary>How a call reaches the callee: straight through ElevenLabs, or placed by Twilio with AMD first.</summary>
public enum GateMode
{
    Direct,
    TwilioAmdBridge,
}
