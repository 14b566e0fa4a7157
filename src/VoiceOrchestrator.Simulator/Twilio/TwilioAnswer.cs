using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>Who or what picks up a call placed through the emulated Twilio Calls API, or why nobody does.</summary>
[JsonConverter(typeof(LenientEnumConverter<TwilioAnswer>))]
public enum TwilioAnswer
{
    Human,
    Machine,
    Fax,

    /// <summary>Answered, but AMD cannot tell (AnsweredBy=unknown).</summary>
    Unknown,
    Busy,
    NoAnswer,
    Failed,
}

internal static class TwilioAnswerExtensions
{
    public static bool IsAnswered(this TwilioAnswer answer) => answer is TwilioAnswer.Human or TwilioAnswer.Machine or TwilioAnswer.Fax or TwilioAnswer.Unknown;

    /// <summary>The <c>AnsweredBy</c> value sent for this answer in the given <c>MachineDetection</c> mode (contract §6.1).</summary>
    public static string AnsweredBy(this TwilioAnswer answer, string? machineDetection) => answer switch
    {
        TwilioAnswer.Human => "human",
        TwilioAnswer.Machine => string.Equals(machineDetection, "DetectMessageEnd", StringComparison.OrdinalIgnoreCase) ? "machine_end_beep" : "machine_start",
        TwilioAnswer.Fax => "fax",
        _ => "unknown",
    };

    /// <summary>The ElevenLabs-side outcome a number is pinned to, read as a Twilio answer.</summary>
    public static TwilioAnswer FromCallOutcome(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy => TwilioAnswer.Busy,
        CallOutcome.NoAnswer => TwilioAnswer.NoAnswer,
        CallOutcome.Failed => TwilioAnswer.Failed,
        _ => TwilioAnswer.Human,
    };
}
