using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Dispatch;

/// <summary>Calls that queue together: same workspace, campaign (or bulk request) and lane.</summary>
public readonly record struct QueueGroup(string WorkspaceId, string? CampaignId, Guid? BatchId, CallLane Lane)
{
    /// <summary>The calls whose concurrency is limited together: a campaign, else a bulk request.</summary>
    public ConcurrencyKey Concurrency => new(WorkspaceId, CampaignId, CampaignId is null ? BatchId : null);
}

public readonly record struct ConcurrencyKey(string WorkspaceId, string? CampaignId, Guid? BatchId);

/// <summary>A group with calls due to be dialed, and the most of them that may be active at once.</summary>
public sealed record QueuedGroup(QueueGroup Key, int MaxPriority, int Queued, int Concurrency);

/// <summary>A call holding a slot right now.</summary>
public readonly record struct ActiveCall(string WorkspaceId, string? CampaignId, Guid? BatchId, CallLane Lane, string ToNumber)
{
    public ConcurrencyKey Concurrency => new(WorkspaceId, CampaignId, CampaignId is null ? BatchId : null);
}

/// <summary>The limits of design §4 that apply to one dispatch cycle.</summary>
public sealed record AdmissionLimits(
    int GlobalLimit,
    int RemoteActive,
    int ReservedForPriority,
    IReadOnlyDictionary<string, int> WorkspaceLimits);

/// <summary>
/// Decides how many calls each group may have dialed in this cycle: priority calls before bulk,
/// higher <c>priority</c> first, then round-robin across workspaces and, within a workspace, across
/// its campaigns, so that one large campaign cannot starve a small one. Every limit of design §4
/// is respected: global (with calls placed elsewhere counted), the share kept for priority calls,
/// the workspace limit and the campaign/request concurrency. Pure: no I/O, so it is unit-tested.
/// </summary>
public static class AdmissionPlan
{
    public static Dictionary<QueueGroup, int> Quotas(
        IReadOnlyList<QueuedGroup> groups, IReadOnlyList<ActiveCall> active, AdmissionLimits limits, int capacity, int rotation)
    {
        var quotas = new Dictionary<QueueGroup, int>();
        var perWorkspace = new Dictionary<string, int>(StringComparer.Ordinal);
        var perKey = new Dictionary<ConcurrencyKey, int>();
        var activePriority = 0;
        foreach (var call in active)
        {
            perWorkspace[call.WorkspaceId] = perWorkspace.GetValueOrDefault(call.WorkspaceId) + 1;
            perKey[call.Concurrency] = perKey.GetValueOrDefault(call.Concurrency) + 1;
            if (call.Lane == CallLane.Priority)
            {
                activePriority++;
            }
        }

        var globalRoom = limits.GlobalLimit - active.Count - limits.RemoteActive;
        var remaining = Math.Min(capacity, globalRoom);
        foreach (var lane in new[] { CallLane.Priority, CallLane.Bulk })
        {
            // Priority calls admitted in this cycle fill the reserve first, as active ones do.
            var reservedUnused = Math.Max(0, limits.ReservedForPriority - activePriority - Given(quotas));
            var laneRoom = lane == CallLane.Bulk ? Math.Min(remaining, globalRoom - reservedUnused - Given(quotas)) : remaining;
            var levels = groups.Where(g => g.Key.Lane == lane).GroupBy(g => g.MaxPriority).OrderByDescending(level => level.Key);
            foreach (var level in levels)
            {
                var given = RoundRobin(level.ToList(), laneRoom, perWorkspace, perKey, limits, quotas, rotation);
                laneRoom -= given;
                remaining -= given;
                if (laneRoom <= 0)
                {
                    break;
                }
            }
        }

        return quotas;
    }

    private static int RoundRobin(
        List<QueuedGroup> groups, int room, Dictionary<string, int> perWorkspace, Dictionary<ConcurrencyKey, int> perKey,
        AdmissionLimits limits, Dictionary<QueueGroup, int> quotas, int rotation)
    {
        // Workspaces in a rotating order, each with its groups in a rotating order, so that ties go
        // to a different workspace and campaign from one cycle to the next.
        var workspaces = groups.GroupBy(g => g.Key.WorkspaceId, StringComparer.Ordinal)
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new Queue<QueuedGroup>(Rotate(w.OrderBy(g => g.Key.CampaignId).ThenBy(g => g.Key.BatchId).ToList(), rotation)))
            .ToList();
        workspaces = Rotate(workspaces, rotation);
        var given = 0;
        var progress = true;
        while (room > 0 && progress)
        {
            progress = false;
            foreach (var queue in workspaces)
            {
                if (room <= 0)
                {
                    break;
                }

                // Offer one slot to this workspace: its next group that can still take a call.
                for (var tries = queue.Count; tries > 0; tries--)
                {
                    var group = queue.Dequeue();
                    if (CanTake(group, perWorkspace, perKey, limits, quotas))
                    {
                        quotas[group.Key] = quotas.GetValueOrDefault(group.Key) + 1;
                        perWorkspace[group.Key.WorkspaceId] = perWorkspace.GetValueOrDefault(group.Key.WorkspaceId) + 1;
                        perKey[group.Key.Concurrency] = perKey.GetValueOrDefault(group.Key.Concurrency) + 1;
                        queue.Enqueue(group);
                        room--;
                        given++;
                        progress = true;
                        break;
                    }

                    // Full for this cycle: drop it from the rotation.
                }
            }
        }

        return given;
    }

    private static bool CanTake(QueuedGroup group, Dictionary<string, int> perWorkspace, Dictionary<ConcurrencyKey, int> perKey,
        AdmissionLimits limits, Dictionary<QueueGroup, int> quotas)
    {
        if (quotas.GetValueOrDefault(group.Key) >= group.Queued)
        {
            return false;
        }

        if (perKey.GetValueOrDefault(group.Key.Concurrency) >= group.Concurrency)
        {
            return false;
        }

        return !limits.WorkspaceLimits.TryGetValue(group.Key.WorkspaceId, out var workspaceLimit)
               || perWorkspace.GetValueOrDefault(group.Key.WorkspaceId) < workspaceLimit;
    }

    private static int Given(Dictionary<QueueGroup, int> quotas) => quotas.Values.Sum();

    private static List<T> Rotate<T>(List<T> items, int rotation)
    {
        if (items.Count < 2)
        {
            return items;
        }

        var shift = (int)((uint)rotation % (uint)items.Count);
        return [.. items.Skip(shift), .. items.Take(shift)];
    }
}
