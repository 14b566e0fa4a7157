namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dispatcher's cached view of which groups have due calls. Scanning the queue for groups
/// costs a pass over all queued rows, so it is refreshed at most every <see cref="RefreshInterval"/>
/// or when new work arrives; between refreshes, claims count groups down and drop the empty ones.
/// </summary>
public sealed class QueueSnapshot
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<QueueGroup, QueuedGroup> _groups = [];

    public IReadOnlyList<QueuedGroup> Groups => [.. _groups.Values];

    public IReadOnlyDictionary<string, int> WorkspaceLimits { get; private set; } = new Dictionary<string, int>();

    public long? RefreshedAt { get; private set; }

    public bool IsEmpty => _groups.Count == 0;

    public void Replace(IEnumerable<QueuedGroup> groups, IReadOnlyDictionary<string, int> workspaceLimits, long? timestamp)
    {
        _groups.Clear();
        foreach (var group in groups)
        {
            _groups[group.Key] = group;
        }

        WorkspaceLimits = workspaceLimits;
        RefreshedAt = timestamp;
    }

    /// <summary>Counts claimed calls off a group; null means the group ran out of due calls.</summary>
    public void Consumed(QueueGroup key, int? taken)
    {
        if (!_groups.TryGetValue(key, out var group))
        {
            return;
        }

        var left = taken is { } count ? group.Queued - count : 0;
        if (left <= 0)
        {
            _groups.Remove(key);
        }
        else
        {
            _groups[key] = group with { Queued = left };
        }
    }
}
