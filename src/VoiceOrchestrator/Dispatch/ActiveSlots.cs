using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dispatcher's view of the calls holding slots, kept so that a dispatch cycle does not read
/// every active row again. It only ever over-counts: claims are added before their dial starts,
/// a release made in this process removes its call after the release has committed, and the whole
/// view is re-read from the database every <see cref="RefreshInterval"/> (which also catches
/// releases made by other instances). Over-counting can delay a dial; it can never exceed a limit.
/// A release made while the view is being re-read is applied again to what was read, so that a
/// read that began before the release committed cannot bring its call back for a whole interval.
/// </summary>
public sealed class ActiveSlots
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Dictionary<Guid, ActiveCall> _calls = [];
    private HashSet<Guid>? _releasedDuringRead;

    public long? RefreshedAt { get; private set; }

    public async Task RefreshAsync(OrchestratorDbContext db, long timestamp, CancellationToken cancellationToken)
    {
        var releasedDuringRead = new HashSet<Guid>();
        lock (_gate)
        {
            _releasedDuringRead = releasedDuringRead;
        }

        try
        {
            var rows = await QueueView.ActiveCalls(db)
                .Select(c => new { c.Id, Call = new ActiveCall(c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane, c.ToNumber) })
                .ToListAsync(cancellationToken);
            lock (_gate)
            {
                _calls = rows.Where(r => !releasedDuringRead.Contains(r.Id)).ToDictionary(r => r.Id, r => r.Call);
                RefreshedAt = timestamp;
            }
        }
        finally
        {
            lock (_gate)
            {
                _releasedDuringRead = null;
            }
        }
    }

    /// <summary>
    /// True when the database holds fewer active calls than this view: a release made by another
    /// instance (or one still being applied here). A count on the active-call index, far cheaper than re-reading the rows.
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

    /// <summary>Forgets everything; the next cycle reads the database again.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _calls = [];
            RefreshedAt = null;
        }
    }

    public List<ActiveCall> Snapshot()
    {
        lock (_gate)
        {
            return [.. _calls.Values];
        }
    }

    public void Claimed(IEnumerable<Call> calls) =>
        Claimed(calls.Select(call => (call.Id, new ActiveCall(call.WorkspaceId, call.CampaignId, call.BatchId, call.Lane, call.ToNumber))));

    public void Claimed(IEnumerable<(Guid Id, ActiveCall Call)> calls)
    {
        lock (_gate)
        {
            foreach (var (id, call) in calls)
            {
                _calls[id] = call;
            }
        }
    }

    public void Released(Guid callId)
    {
        lock (_gate)
        {
            _calls.Remove(callId);
            _releasedDuringRead?.Add(callId);
        }
    }
}
