namespace VoiceOrchestrator.Dispatch;

/// <summary>A token bucket for dials per second, separate from the concurrency limit (Twilio's default is 1 per second).</summary>
public sealed class DialPacer(double dialsPerSecond, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private double _tokens = Math.Max(1, dialsPerSecond);
    private long _lastTicks = clock.GetTimestamp();

    public bool Unlimited => dialsPerSecond <= 0;

    /// <summary>Takes up to <paramref name="wanted"/> tokens and returns how many were taken.</summary>
    public int Take(int wanted)
    {
        if (Unlimited || wanted <= 0)
        {
            return Math.Max(0, wanted);
        }

        lock (_gate)
        {
            var now = clock.GetTimestamp();
            _tokens = Math.Min(Math.Max(1, dialsPerSecond), _tokens + clock.GetElapsedTime(_lastTicks, now).TotalSeconds * dialsPerSecond);
            _lastTicks = now;
            var taken = Math.Min(wanted, (int)Math.Floor(_tokens));
            _tokens -= taken;
            return taken;
        }
    }

    /// <summary>Gives back tokens taken for dials that did not happen.</summary>
    public void Return(int tokens)
    {
        if (Unlimited || tokens <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _tokens = Math.Min(Math.Max(1, dialsPerSecond), _tokens + tokens);
        }
    }

    /// <summary>How long until the next token, for the dispatcher's sleep.</summary>
    public TimeSpan NextTokenIn => Unlimited ? TimeSpan.Zero : TimeSpan.FromSeconds(1 / dialsPerSecond);
}
