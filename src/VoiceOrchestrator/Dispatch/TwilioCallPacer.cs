using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Twilio's calls-per-second cap (TWILIO_CPS), apart from the concurrency limit: a Twilio dial waits here for its
/// turn while its call keeps its slot. Turns are taken one at a time and each starts at least 1/CPS after the one
/// before actually started (no burst, unlike the token bucket of <see cref="DialPacer"/>, which allows up to twice
/// the rate within one second), because Twilio counts per second. Only the dispatcher lease holder dials, so one
/// pacer per process is the account-wide pace.
/// </summary>
public sealed class TwilioCallPacer(IOptions<OrchestratorOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _turns = new(1, 1);
    private readonly double _callsPerSecond = options.Value.TwilioCps;
    private long _nextTurn = long.MinValue;

    /// <summary>
    /// Waits for the next turn and returns its time, to be used at once. Every few seconds of waiting asks
    /// <paramref name="stillWanted"/> (which also keeps the call's lease fresh, so the sweeper leaves a waiting
    /// call alone); null when the call was taken away meanwhile, and then it must not be dialed.
    /// </summary>
    public async Task<DateTime?> WaitTurnAsync(Func<CancellationToken, Task<bool>> stillWanted, CancellationToken cancellationToken)
    {
        if (_callsPerSecond <= 0)
        {
            return clock.GetUtcNow().UtcDateTime;
        }

        while (!await _turns.WaitAsync(CheckEvery, cancellationToken))
        {
            if (!await stillWanted(cancellationToken))
            {
                return null;
            }
        }

        try
        {
            while (true)
            {
                var now = clock.GetTimestamp();
                if (now >= _nextTurn)
                {
                    _nextTurn = now + (long)Math.Ceiling(clock.TimestampFrequency / _callsPerSecond);
                    return clock.GetUtcNow().UtcDateTime;
                }

                var wait = TimeSpan.FromSeconds((_nextTurn - now) / (double)clock.TimestampFrequency);
                await Task.Delay(wait < CheckEvery ? wait : CheckEvery, clock, cancellationToken);
                if (wait >= CheckEvery && !await stillWanted(cancellationToken))
                {
                    return null;
                }
            }
        }
        finally
        {
            _turns.Release();
        }
    }
}
