using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dispatcher's view of the calls holding slots, kept so that a dispatch cycle does not read
/// every active row again. It counts at least every call the provider counts: calls a claim has chosen
/// are reserved before their claim commits, committed claims are added before their dial starts, a
/// release made in this process removes its call after the release has committed, and the whole view is
/// re-read from the database every <see cref="RefreshInterval"/> (which also catches releases made by
/// other instances). The one release that comes before its commit is the provider's own word that a call
/// has ended (<see cref="EndedAtProvider"/>): the provider no longer counts that call, so its slot is free at
/// once, while its number stays busy until the release commits (the database allows one active call per
/// number). Over-counting can delay a dial; it can never exceed a limit.
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

    /// <summary>Calls the provider has said are over, whose release has not committed yet: no slot, but a busy number.</summary>
    private readonly Dictionary<Guid, ActiveCall> _ending = [];

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
                foreach (var id in _ending.Keys.ToList())
                {
                    // Still active in what was read: its release has yet to commit, and it holds no slot. Otherwise it has.
                    if (!calls.Remove(id))
                    {
                        _ending.Remove(id);
                    }
                }

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
    /// Reservations are not counted: their claims may not have committed yet. Calls whose end has yet to commit are:
    /// the database still counts them.
    /// </summary>
    public async Task<bool> ReleasedElsewhereAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        int known;
        lock (_gate)
        {
            known = _calls.Count + _ending.Count;
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
            _ending.Clear();
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

    /// <summary>
    /// The calls whose end has yet to commit: no slot, but their numbers are still busy. Read after <see cref="Snapshot"/>,
    /// the two hold every busy number, since a call leaves the snapshot's calls for these and leaves these only once released.
    /// </summary>
    public List<ActiveCall> Ending()
    {
        lock (_gate)
        {
            return [.. _ending.Values];
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

    /// <summary>A release has committed: the call holds neither a slot nor its number any more.</summary>
    public void Released(Guid callId)
    {
        lock (_gate)
        {
            _calls.Remove(callId);
            _ending.Remove(callId);
            _changedDuringRead?[callId] = (false, default);
        }
    }

    /// <summary>
    /// The provider has said the call is over (its signed webhook, or its conversation record), and the release is
    /// about to be written: the slot is free now, the number stays busy until <see cref="Released"/>. True when the
    /// call held a slot here.
    /// </summary>
    public bool EndedAtProvider(Guid callId)
    {
        lock (_gate)
        {
            if (!_calls.Remove(callId, out var call))
            {
                return false;
            }

            _ending[callId] = call;
            _changedDuringRead?[callId] = (false, default);
            return true;
        }
    }
}
