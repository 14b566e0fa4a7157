using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Twilio's calls-per-second cap (TWILIO_CPS), apart from the concurrency limit: a Twilio dial waits here for its
/// turn while its call keeps its slot. Only the dispatcher lease holder dials, so one pacer per process is the
/// account-wide pace.
/// </summary>
public sealed class TwilioCallPacer(IOptions<OrchestratorOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LongestNap = TimeSpan.FromMilliseconds(200);

    private readonly DialPacer _pacer = new(options.Value.TwilioCps, clock);

    /// <summary>
    /// Waits for a token. Every few seconds asks <paramref name="stillWanted"/> (which also keeps the call's lease
    /// fresh, so the sweeper leaves a waiting call alone); false when the call was taken away meanwhile.
    /// </summary>
    public async Task<bool> WaitTurnAsync(Func<CancellationToken, Task<bool>> stillWanted, CancellationToken cancellationToken)
    {
        var lastCheck = clock.GetTimestamp();
        while (_pacer.Take(1) == 0)
        {
            var nap = _pacer.NextTokenIn < LongestNap ? _pacer.NextTokenIn : LongestNap;
            await Task.Delay(nap + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 20)), clock, cancellationToken);
            if (clock.GetElapsedTime(lastCheck) >= CheckEvery)
            {
                lastCheck = clock.GetTimestamp();
                if (!await stillWanted(cancellationToken))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
