namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The ways a full workspace can answer a dial. The contract (§9) leaves open which one the platform uses,
/// so the emulator offers each and a client must cope with all of them.
/// </summary>
public static class CapacityAnswers
{
    /// <summary>429 with <c>detail.code = concurrent_limit_exceeded</c> (default).</summary>
    public const string TooManyRequests = "429";

    /// <summary>200 with <c>success: false</c> and null ids.</summary>
    public const string SuccessFalse = "success_false";

    /// <summary>503 with <c>detail.code = system_busy</c>.</summary>
    public const string SystemBusy = "503";

    internal static bool IsKnown(string value) => value is TooManyRequests or SuccessFalse or SystemBusy;
}
