using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>What happens after ringing. JSON names follow the contract's <c>call_result</c> (<c>no_answer</c>); <c>noAnswer</c> and <c>no-answer</c> are read too.</summary>
[JsonConverter(typeof(LenientEnumConverter<CallOutcome>))]
public enum CallOutcome
{
    Answered,
    Busy,
    NoAnswer,
    Failed,
}
