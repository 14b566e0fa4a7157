namespace VoiceOrchestrator.Dispatch;

/// <summary>Exponential backoff with full jitter, honouring the provider's Retry-After when it gives one.</summary>
public static class RetryPolicy
{
    public static readonly TimeSpan CapacityBase = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan CapacityCap = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan FailureBase = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan FailureCap = TimeSpan.FromMinutes(5);

    /// <summary>Delay before the next try after the given number of consecutive failures (1 = first).</summary>
    public static TimeSpan Backoff(int failures, TimeSpan baseDelay, TimeSpan cap, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } providerDelay && providerDelay > TimeSpan.Zero)
        {
            return providerDelay > cap ? cap : providerDelay;
        }

        var exponent = Math.Clamp(failures - 1, 0, 20);
        var ceiling = Math.Min(cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        // Half fixed, half random: spreads retries of a burst without ever retrying at once.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
