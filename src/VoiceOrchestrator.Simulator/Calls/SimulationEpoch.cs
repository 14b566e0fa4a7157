using System.Collections.Concurrent;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Everything a reset throws away: conversations, active calls and counters. A reset swaps in a new epoch,
/// so work still scheduled for the old one recognises itself as stale and cannot corrupt the new counts.
/// </summary>
internal sealed class SimulationEpoch
{
    private int _activeCalls;
    private int _maxConcurrency;
    private long _sequence;

    public ConversationStore Conversations { get; } = new();

    public SimulatorCounters Counters { get; } = new();

    /// <summary>Active conversations by id, for per-agent live counts.</summary>
    public ConcurrentDictionary<string, SimulatedConversation> ActiveConversations { get; } = new(StringComparer.Ordinal);

    public int ActiveCalls => Volatile.Read(ref _activeCalls);

    public int MaxConcurrency => Volatile.Read(ref _maxConcurrency);

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Takes a slot unless the workspace is full; check and take are one atomic step.</summary>
    public bool TryOccupySlot(int limit, int externalActiveCalls)
    {
        while (true)
        {
            var current = Volatile.Read(ref _activeCalls);
            if (current + externalActiveCalls >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _activeCalls, current + 1, current) == current)
            {
                RaiseMaxConcurrency(current + 1);
                return true;
            }
        }
    }

    public void ReleaseSlot() => Interlocked.Decrement(ref _activeCalls);

    private void RaiseMaxConcurrency(int candidate)
    {
        var seen = Volatile.Read(ref _maxConcurrency);
        while (candidate > seen)
        {
            var previous = Interlocked.CompareExchange(ref _maxConcurrency, candidate, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
