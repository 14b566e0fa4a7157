namespace VoiceOrchestrator.Calls;

/// <summary>The lifecycle of design §3. JSON and database values are lowercase snake_case.</summary>
public enum CallState
{
    Queued,
    Dialing,
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    MachineDetected,
    Failed,
    Cancelled,
    Expired,
}

public static class CallStates
{
    /// <summary>States that hold a concurrency slot.</summary>
    public static readonly CallState[] Active = [CallState.Dialing, CallState.Ringing, CallState.InProgress];

    /// <summary>SQL list of <see cref="Active"/>, for the partial indexes and raw queries.</summary>
    public const string ActiveSqlList = "'dialing','ringing','in_progress'";

    public static bool HoldsSlot(this CallState state) => state is CallState.Dialing or CallState.Ringing or CallState.InProgress;

    public static bool IsTerminal(this CallState state) => state switch
    {
        CallState.Queued or CallState.Dialing or CallState.Ringing or CallState.InProgress => false,
        CallState.Completed or CallState.Busy or CallState.NoAnswer or CallState.MachineDetected
            or CallState.Failed or CallState.Cancelled or CallState.Expired => true,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string ToWire(this CallState state) => state switch
    {
        CallState.Queued => "queued",
        CallState.Dialing => "dialing",
        CallState.Ringing => "ringing",
        CallState.InProgress => "in_progress",
        CallState.Completed => "completed",
        CallState.Busy => "busy",
        CallState.NoAnswer => "no_answer",
        CallState.MachineDetected => "machine_detected",
        CallState.Failed => "failed",
        CallState.Cancelled => "cancelled",
        CallState.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? value, out CallState state)
    {
        foreach (var candidate in Enum.GetValues<CallState>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}
