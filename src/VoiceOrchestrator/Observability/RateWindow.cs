namespace VoiceOrchestrator.Observability;

/// <summary>Events per second over the last whole seconds, counted in a ring of one-second buckets.</summary>
public sealed class RateWindow(TimeProvider clock, int seconds = 10)
{
    private readonly Lock _gate = new();
    private readonly long[] _counts = new long[seconds + 1];
    private readonly long[] _second = new long[seconds + 1];

    public void Add()
    {
        var now = CurrentSecond();
        var slot = (int)(now % _counts.Length);
        lock (_gate)
        {
            if (_second[slot] != now)
            {
                _second[slot] = now;
                _counts[slot] = 0;
            }

            _counts[slot]++;
        }
    }

    /// <summary>The mean over the last <c>seconds</c> whole seconds; the current, partial second is left out.</summary>
    public double PerSecond()
    {
        var now = CurrentSecond();
        long total = 0;
        lock (_gate)
        {
            for (var i = 0; i < _counts.Length; i++)
            {
                var age = now - _second[i];
                if (age >= 1 && age <= seconds)
                {
                    total += _counts[i];
                }
            }
        }

        return total / (double)seconds;
    }

    private long CurrentSecond() => clock.GetUtcNow().ToUnixTimeSeconds();
}
