namespace VoiceOrchestrator.Calls;

/// <summary>
/// The fields a transition writes besides the state. Null leaves a field as it is; the lease and
/// the next-attempt time can also be cleared, which is why they are set through <see cref="Lease"/>
/// and <see cref="NextAttempt"/>.
/// </summary>
public sealed record CallChange
{
    public static readonly CallChange None = new();

    public string? ConversationId { get; init; }
    public string? ProviderCallId { get; init; }
    public string? FailureReason { get; init; }
    public string? TerminationReason { get; init; }
    public string? LastError { get; init; }
    public bool? SipTrunkUsed { get; init; }
    public int? DurationSecs { get; init; }
    public double? ElevenLabsCredits { get; init; }
    public double? CostElevenLabs { get; init; }
    public DateTime? AnsweredAt { get; init; }

    /// <summary>Stamp <c>ended_at</c> with the transition's time.</summary>
    public bool Ended { get; init; }

    public Settable<DateTime>? Lease { get; init; }
    public Settable<DateTime>? NextAttempt { get; init; }

    /// <summary>Added to <c>attempts</c>: -1 gives back an attempt the provider never saw (a capacity answer).</summary>
    public int AttemptDelta { get; init; }
}

/// <summary>A value to write, where null means "clear the column".</summary>
public readonly record struct Settable<T>(T? Value)
    where T : struct
{
    public static Settable<T> Clear => new(null);
}
