namespace VoiceOrchestrator.Simulator;

/// <summary>
/// All random decisions about dials (faults, outcomes, durations), drawn from one generator so that a seed
/// reproduces the same sequence for the same sequence of dials.
/// </summary>
internal sealed class OutcomeDraws(int? seed)
{
    private readonly Lock _lock = new();
    private readonly Random _random = seed is int value ? new Random(value) : new Random();

    public FaultKind? DrawFault(SimulatorOptions options, string toNumber)
    {
        if (options.NumberFaults.TryGetValue(toNumber, out var pinned))
        {
            return pinned;
        }

        var totalRate = options.RefusalRate + options.ServerErrorRate + options.TimeoutRate;
        if (totalRate <= 0)
        {
            return null;
        }

        double draw;
        lock (_lock)
        {
            draw = _random.NextDouble();
        }

        if (draw < options.RefusalRate)
        {
            return FaultKind.Refusal;
        }

        if (draw < options.RefusalRate + options.ServerErrorRate)
        {
            return options.ServerErrorPlacesCall ? FaultKind.ServerErrorPlaced : FaultKind.ServerError;
        }

        if (draw < totalRate)
        {
            return options.TimeoutPlacesCall ? FaultKind.TimeoutPlaced : FaultKind.Timeout;
        }

        return null;
    }

    public CallPlan PlanCall(SimulatorOptions options, string toNumber)
    {
        var jitter = options.CallDurationJitterMs;
        lock (_lock)
        {
            var outcome = options.NumberOutcomes.TryGetValue(toNumber, out var pinned) ? pinned : DrawOutcome(options.Outcomes);
            var duration = jitter > 0 ? options.CallDurationMs + _random.Next(-jitter, jitter + 1) : options.CallDurationMs;
            return new CallPlan(outcome, Math.Max(0, duration));
        }
    }

    private CallOutcome DrawOutcome(OutcomeWeights weights)
    {
        var draw = _random.NextDouble() * weights.Total;
        var chosen = CallOutcome.Answered;
        // Falls through to the last weighted outcome when rounding leaves the draw at the very top of the range.
        _ = Take(CallOutcome.Answered, weights.Answered, ref draw, ref chosen)
            || Take(CallOutcome.Busy, weights.Busy, ref draw, ref chosen)
            || Take(CallOutcome.NoAnswer, weights.NoAnswer, ref draw, ref chosen)
            || Take(CallOutcome.Failed, weights.Failed, ref draw, ref chosen);
        return chosen;
    }

    private static bool Take(CallOutcome outcome, double weight, ref double draw, ref CallOutcome chosen)
    {
        if (weight <= 0)
        {
            return false;
        }

        chosen = outcome;
        draw -= weight;
        return draw < 0;
    }
}
