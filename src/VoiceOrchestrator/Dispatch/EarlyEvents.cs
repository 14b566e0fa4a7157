using System.Collections.Concurrent;
using System.Text.Json;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Provider events that arrived before this instance had recorded the conversation id they name:
/// a short call can end before the answer to its dial has been written. The dialer looks here
/// right after recording the id. Events that no dial claims within a minute are dropped; the
/// lease sweeper then settles the call by asking the provider.
/// </summary>
public sealed class EarlyEvents(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (string Type, JsonElement Data, DateTimeOffset At)> _events = new(StringComparer.Ordinal);

    public void Add(string conversationId, string type, JsonElement data)
    {
        var now = clock.GetUtcNow();
        _events[conversationId] = (type, data.Clone(), now);
        if (_events.Count > 10_000)
        {
            foreach (var (key, value) in _events)
            {
                if (now - value.At > Lifetime)
                {
                    _events.TryRemove(key, out _);
                }
            }
        }
    }

    public bool TryTake(string conversationId, out string type, out JsonElement data)
    {
        if (_events.TryRemove(conversationId, out var entry) && clock.GetUtcNow() - entry.At <= Lifetime)
        {
            (type, data) = (entry.Type, entry.Data);
            return true;
        }

        (type, data) = (string.Empty, default);
        return false;
    }
}
