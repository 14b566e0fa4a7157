namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Relative weights of call outcomes. Weights left out are zero, so <c>{"busy":1}</c> means "every call is busy".
/// </summary>
public sealed record OutcomeWeights
{
    public static OutcomeWeights AnsweredOnly { get; } = new() { Answered = 1 };

    public double Answered { get; init; }
    public double Busy { get; init; }
    public double NoAnswer { get; init; }
    public double Failed { get; init; }

    internal double Total => Answered + Busy + NoAnswer + Failed;
}
