namespace VoiceOrchestrator.Providers.Twilio;

/// <summary>What an <c>AnsweredBy</c> value means for the bridge, and the <c>amdStatus</c> recorded for it.</summary>
public enum AmdVerdict
{
    Human,
    Machine,
    Unknown,
}

public static class AmdResult
{
    /// <summary><c>amdStatus</c> of a call placed without machine detection.</summary>
    public const string NotUsed = "not_used";

    /// <summary>
    /// <c>human</c> is a person; <c>machine_start</c>, <c>machine_end_beep</c>, <c>machine_end_silence</c>,
    /// <c>machine_end_other</c> and <c>fax</c> are machines; <c>unknown</c> and anything unrecognised is unknown.
    /// </summary>
    public static AmdVerdict Classify(string? answeredBy) => answeredBy switch
    {
        "human" => AmdVerdict.Human,
        "fax" => AmdVerdict.Machine,
        { } value when value.StartsWith("machine", StringComparison.Ordinal) => AmdVerdict.Machine,
        _ => AmdVerdict.Unknown,
    };

    public static string ToStatus(this AmdVerdict verdict) => verdict switch
    {
        AmdVerdict.Human => "human",
        AmdVerdict.Machine => "machine",
        _ => "unknown",
    };
}
