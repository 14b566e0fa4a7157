using System.Collections.Concurrent;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Conversations kept in start-time order, so listing newest first walks backwards from a cursor instead of
/// sorting on every request. Live calls arrive in order and append; seeded history is inserted in place.
/// </summary>
internal sealed class ConversationStore
{
    private readonly Lock _lock = new();
    private readonly List<SimulatedConversation> _oldestFirst = [];
    private readonly ConcurrentDictionary<string, SimulatedConversation> _byId = new(StringComparer.Ordinal);

    public SimulatedConversation? Find(string conversationId) => _byId.GetValueOrDefault(conversationId);

    public void Add(SimulatedConversation conversation, int maxStored)
    {
        lock (_lock)
        {
            var key = conversation.OrderKey;
            if (_oldestFirst.Count == 0 || _oldestFirst[^1].OrderKey.CompareTo(key) <= 0)
            {
                _oldestFirst.Add(conversation);
            }
            else
            {
                _oldestFirst.Insert(FirstIndexNotBefore(key), conversation);
            }

            _byId[conversation.ConversationId] = conversation;

            // Trim in chunks so that a full store does not shift the whole list on every call.
            if (_oldestFirst.Count > maxStored + (maxStored / 10) + 1)
            {
                var excess = _oldestFirst.Count - maxStored;
                for (var index = 0; index < excess; index++)
                {
                    _byId.TryRemove(_oldestFirst[index].ConversationId, out _);
                }

                _oldestFirst.RemoveRange(0, excess);
            }
        }
    }

    public IReadOnlyList<SimulatedConversation> NewestFirst()
    {
        lock (_lock)
        {
            var copy = _oldestFirst.ToArray();
            Array.Reverse(copy);
            return copy;
        }
    }

    /// <summary>How many stored conversations sort after (are newer than) the given cursor position.</summary>
    public int CountNewerThan((long StartedAtMs, long Sequence) key)
    {
        lock (_lock)
        {
            return _oldestFirst.Count - FirstIndexNotBefore(key);
        }
    }

    public ConversationPage List(ConversationQuery query)
    {
        var items = new List<(SimulatedConversation, ConversationProgress)>(Math.Min(query.PageSize, 100));
        var hasMore = false;
        lock (_lock)
        {
            var start = query.After is { } after ? FirstIndexNotBefore(after) - 1 : _oldestFirst.Count - 1;
            for (var index = start; index >= 0; index--)
            {
                var conversation = _oldestFirst[index];
                var startUnix = conversation.StartedAt.ToUnixTimeSeconds();
                if (query.StartAfterUnix is { } startAfter && startUnix <= startAfter)
                {
                    break;
                }

                if (query.StartBeforeUnix is { } startBefore && startUnix >= startBefore)
                {
                    continue;
                }

                if ((query.AgentId is not null && conversation.AgentId != query.AgentId)
                    || (query.UserId is not null && conversation.UserId != query.UserId))
                {
                    continue;
                }

                var progress = conversation.Progress;
                if (query.CallSuccessful is not null && ConversationModels.CallSuccessful(progress) != query.CallSuccessful)
                {
                    continue;
                }

                if (items.Count == query.PageSize)
                {
                    hasMore = true;
                    break;
                }

                items.Add((conversation, progress));
            }
        }

        return new ConversationPage(items, hasMore);
    }

    private int FirstIndexNotBefore((long StartedAtMs, long Sequence) key)
    {
        int low = 0, high = _oldestFirst.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_oldestFirst[middle].OrderKey.CompareTo(key) < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
