using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dispatcher's view of the calls holding slots, kept so that a dispatch cycle does not read
/// every active row again. It only ever over-counts: calls a claim has chosen are reserved before
/// their claim commits, committed claims are added before their dial starts, a release made in this
/// process removes its call after the release has committed, and the whole view is re-read from the
/// database every <see cref="RefreshInterval"/> (which also catches releases made by other instances).
/// Over-counting can delay a dial; it can never exceed a limit.
/// Reservations are kept apart from what a re-read replaces. A claim committed or a release made while
/// the view is being re-read is applied again to what was read, so that a read that began before it
/// committed can neither drop a claimed call nor bring a released one back for a whole interval.
/// </summary>
public sealed class ActiveSlots
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Dictionary<Guid, ActiveCall> _calls = [];
    private readonly Dictionary<Guid, ActiveCall> _reserved = [];

    /// <summary>While a re-read is under way: the calls claimed (true) or released (false) since it began, the last change of each.</summary>
    private Dictionary<Guid, (bool Claimed, ActiveCall Call)>? _changedDuringRead;

    public long? RefreshedAt { get; private set; }

    public async Task RefreshAsync(OrchestratorDbContext db, long timestamp, CancellationToken cancellationToken)
    {
        var changedDuringRead = new Dictionary<Guid, (bool Claimed, ActiveCall Call)>();
        lock (_gate)
        {
            _changedDuringRead = changedDuringRead;
        }

        try
        {
            var rows = await QueueView.ActiveCalls(db)
                .Select(c => new { c.Id, Call = new ActiveCall(c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane, c.ToNumber) })
                .ToListAsync(cancellationToken);
            lock (_gate)
            {
                var calls = rows.ToDictionary(r => r.Id, r => r.Call);
                foreach (var (id, change) in changedDuringRead)
                {
                    if (change.Claimed)
                    {
                        calls[id] = change.Call;
                    }
                    else
                    {
                        calls.Remove(id);
                    }
                }

                _calls = calls;
                RefreshedAt = timestamp;
            }
        }
        finally
        {
            lock (_gate)
            {
                _changedDuringRead = null;
            }
        }
    }

    /// <summary>
    /// True when the database holds fewer active calls than this view: a release made by another
    /// instance (or one still being applied here). A count on the active-call index, far cheaper than re-reading the rows.
    /// Reservations are not counted: their claims may not have committed yet.
    /// </summary>
    public async Task<bool> ReleasedElsewhereAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        int known;
        lock (_gate)
        {
            known = _calls.Count;
        }

        var active = await QueueView.CountActiveCallsAsync(db, cancellationToken);
        return active < known;
    }

    /// <summary>Forgets every committed call; the next cycle reads the database again. Reservations stay: their claims are still under way.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _calls = [];
            RefreshedAt = null;
        }
    }

    /// <summary>Every call holding a slot or reserved for a claim under way.</summary>
    public List<ActiveCall> Snapshot()
    {
        lock (_gate)
        {
            return [.. _calls.Values, .. _reserved.Values];
        }
    }

    /// <summary>The calls reserved for claims under way, which are still queued in the database until those claims commit.</summary>
    public List<ActiveCall> Reserved()
    {
        lock (_gate)
        {
            return [.. _reserved.Values];
        }
    }

    /// <summary>Holds slots for calls a claim has chosen, from before its commit until <see cref="Claimed(IEnumerable{ValueTuple{Guid, ActiveCall}})"/> or <see cref="Unreserve"/>.</summary>
    public void Reserve(IEnumerable<(Guid Id, ActiveCall Call)> calls)
    {
        lock (_gate)
        {
            foreach (var (id, call) in calls)
            {
                _reserved[id] = call;
            }
        }
    }

    /// <summary>Drops the reservations of a claim that has ended; those of calls it claimed have already become slots.</summary>
    public void Unreserve(IEnumerable<Guid> callIds)
    {
        lock (_gate)
        {
            foreach (var id in callIds)
            {
                _reserved.Remove(id);
            }
        }
    }

    /// <summary>Turns committed claims into slots. Called only after the commit, so that a re-read that began before it cannot drop them.</summary>
    public void Claimed(IEnumerable<Call> calls) =>
        Claimed(calls.Select(call => (call.Id, new ActiveCall(call.WorkspaceId, call.CampaignId, call.BatchId, call.Lane, call.ToNumber))));

    public void Claimed(IEnumerable<(Guid Id, ActiveCall Call)> calls)
    {
        lock (_gate)
        {
            foreach (var (id, call) in calls)
            {
                _calls[id] = call;
                _reserved.Remove(id);
                _changedDuringRead?[id] = (true, call);
            }
        }
    }

    public void Released(Guid callId)
    {
        lock (_gate)
        {
            _calls.Remove(callId);
            _changedDuringRead?[callId] = (false, default);
        }
    }
}
