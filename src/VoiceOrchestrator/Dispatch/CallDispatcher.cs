using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Observability;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The dispatcher loop. Every instance runs it; only the holder of the dispatcher lease claims
/// calls and sweeps leases. The sweep runs in a loop of its own: it may wait on the provider, and
/// claiming must not wait for it. On PostgreSQL a claim is chosen in the loop and committed beside it,
/// so that the next claim can be chosen while one commits (a slot freed meanwhile does not wait for
/// that commit); one commit is under way at a time. On SQLite the loop waits for each commit. Claimed calls are dialed by up to CALLS_WORKER_CONCURRENCY concurrent
/// requests. On shutdown it stops claiming, lets the commit under way and the requests in flight
/// finish (bounded), records their outcome and gives the lease up.
/// </summary>
public sealed class CallDispatcher(
    IServiceScopeFactory scopes,
    DispatcherLeaseKeeper lease,
    DispatchSignal signal,
    IRemoteActiveCalls remoteActive,
    ActiveSlots slots,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock,
    ILogger<CallDispatcher> logger) : BackgroundService
{
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepStep = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a dispatcher with calls waiting on a full limit counts the active calls in the database.</summary>
    private static readonly TimeSpan RoomCheckInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Dials whose outcome is not yet recorded: waited for on shutdown.</summary>
    private readonly ConcurrentDictionary<Guid, Task> _inFlight = new();

    /// <summary>
    /// How many of a claim's dials start on the thread that committed it (PostgreSQL). Queued to the thread pool, the
    /// dials of a claim that fills slots freed by a wave of webhooks waited behind the wave's work (5.9 ms at p90,
    /// traced), and such claims are small; a large claim's dials, all started on one thread one after another, would
    /// hold up the next commit, so the rest are queued as before. See BENCHMARKS.md (What changed the latency).
    /// </summary>
    private const int DialsStartedByTheCommit = 4;

    /// <summary>Provider requests not yet answered: at most CALLS_WORKER_CONCURRENCY.</summary>
    private int _requestsInFlight;

    /// <summary>Calls chosen by a claim whose dials have not started yet: they count against CALLS_WORKER_CONCURRENCY too.</summary>
    private int _chosenNotDialed;

    /// <summary>The claim being committed, if any; it never throws.</summary>
    private Task _commit = Task.CompletedTask;

    private readonly QueueSnapshot _snapshot = new();
    private Task<SnapshotRead?>? _ageRefresh;
    private readonly CancellationTokenSource _dialsAborted = new();
    private DialPacer? _pacer;
    private int _rotation;
    private volatile bool _sweepAtOnce;
    private bool _waitingForRoom;
    private long? _lastRoomCheck;
    private bool _woken;
    private long? _lastLeaseCheck;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        _pacer = new DialPacer(settings.DialsPerSecond, clock);
        var poll = TimeSpan.FromMilliseconds(settings.DispatchPollMs);
        var sweeping = Task.Run(() => SweepLoopAsync(stoppingToken), CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                if (await EnsureLeaseAsync(stoppingToken))
                {
                    busy = await DispatchOnceAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Dispatch cycle failed; retrying");
                await Task.Delay(TimeSpan.FromMilliseconds(500), clock, CancellationToken.None);
            }

            if (!busy)
            {
                // Calls waiting on a full limit: a slot may be freed by a webhook that reached another instance.
                var wait = _waitingForRoom ? Min(poll, RoomCheckInterval) : poll;
                _woken = await signal.WaitAsync(_pacer.Unlimited ? wait : Min(wait, _pacer.NextTokenIn), stoppingToken);
            }
        }

        await _commit;
        await sweeping;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        var pending = _inFlight.Values.ToArray();
        if (pending.Length > 0)
        {
            logger.LogInformation("Waiting for {Count} provider requests in flight", pending.Length);
            var finished = await Task.WhenAny(Task.WhenAll(pending), Task.Delay(ShutdownGrace, clock, CancellationToken.None));
            if (!finished.IsCompletedSuccessfully || _inFlight.Count > 0)
            {
                // Still waiting on the provider: those calls stay 'dialing' and the next dispatcher reconciles them.
                await _dialsAborted.CancelAsync();
                await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(2), clock, CancellationToken.None));
            }
        }

        try
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not release the dispatcher lease; it lapses by itself");
        }
    }

    private async Task<bool> EnsureLeaseAsync(CancellationToken cancellationToken)
    {
        var renewEvery = TimeSpan.FromSeconds(options.Value.DispatcherLeaseSeconds / 3.0);
        if (lease.IsHeld && !Due(_lastLeaseCheck, renewEvery))
        {
            return true;
        }

        if (!lease.IsHeld && !Due(_lastLeaseCheck, TimeSpan.FromSeconds(1)))
        {
            return false;
        }

        _lastLeaseCheck = clock.GetTimestamp();
        var wasHeld = lease.IsHeld;
        var held = await lease.AcquireOrRenewAsync(cancellationToken);
        if (held && !wasHeld)
        {
            // A new leader trusts nothing cached and settles what the last one left behind.
            _ageRefresh = null;
            _snapshot.Replace([], new Dictionary<string, int>(), null);
            slots.Invalidate();
            _sweepAtOnce = true;
        }

        return held;
    }

    /// <summary>Settles calls whose lease ran out, every <see cref="SweepInterval"/> while this instance holds the lease.</summary>
    private async Task SweepLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (lease.IsHeld)
                {
                    _sweepAtOnce = false;
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<CallReconciler>().SweepAsync(50, stoppingToken);
                }

                // Short steps, so that a newly taken lease is swept at once.
                for (var waited = TimeSpan.Zero; waited < SweepInterval && !_sweepAtOnce; waited += SweepStep)
                {
                    await Task.Delay(SweepStep, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Lease sweep failed; retrying");
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One claim; true when it claimed calls and could claim more at once.</summary>
    private async Task<bool> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var freeWorkers = options.Value.CallsWorkerConcurrency - Volatile.Read(ref _requestsInFlight) - Volatile.Read(ref _chosenNotDialed);
        if (freeWorkers <= 0)
        {
            return false;
        }

        // Handed to the commit when there is one to make, which then disposes of it.
        var scope = scopes.CreateAsyncScope();
        Claim? claim;
        try
        {
            claim = await ChooseAsync(scope, freeWorkers, cancellationToken);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }

        if (claim is null)
        {
            await scope.DisposeAsync();
            return false;
        }

        Interlocked.Add(ref _chosenNotDialed, claim.Choice.Count);
        // One commit at a time: they would queue on the lease anyway.
        await _commit;
        _commit = CommitAsync(scope, claim.Claimer, claim.Choice);
        if (options.Value.Database.Provider == DatabaseProvider.Sqlite)
        {
            // SQLite's one writer sets the pace: claims chosen during a commit are smaller, so there are more of them for
            // the writer to take, and its latency target is met without the overlap (see BENCHMARKS.md).
            await _commit;
        }

        return claim.Choice.Count == claim.Capacity;
    }

    /// <summary>The calls of one claim, chosen and reserved, with the claimer that commits them; null when there are none to choose.</summary>
    private async Task<Claim?> ChooseAsync(AsyncServiceScope scope, int freeWorkers, CancellationToken cancellationToken)
    {
        var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        if (_ageRefresh is { IsCompleted: true } refreshed)
        {
            _ageRefresh = null;
            if (refreshed.Result is { } read)
            {
                _snapshot.Replace(read.Groups, read.WorkspaceLimits, read.At);
            }
        }

        // The new-work flag is taken only when acted on, so that one raised within 100 ms of a refresh is not lost.
        var newWork = Due(_snapshot.RefreshedAt, TimeSpan.FromMilliseconds(100)) && signal.TakeNewWork();
        var ageDue = Due(_snapshot.RefreshedAt, QueueSnapshot.RefreshInterval);
        if (newWork || ageDue && _snapshot.IsEmpty)
        {
            _ageRefresh = null;
            _snapshot.Replace(await QueueView.DueGroupsAsync(db, now, cancellationToken), await QueueView.WorkspaceLimitsAsync(db, cancellationToken), clock.GetTimestamp());
        }
        else if (ageDue)
        {
            // A refresh due only by age looks for calls that became due meanwhile; claims go on from the snapshot
            // while it is read, so that it never holds up the filling of a freed slot.
            _ageRefresh ??= ReadSnapshotAsync(cancellationToken);
        }

        if (_snapshot.IsEmpty)
        {
            return null;
        }

        if (Due(slots.RefreshedAt, ActiveSlots.RefreshInterval)
            || _waitingForRoom && RoomCheckDue() && await slots.ReleasedElsewhereAsync(db, cancellationToken))
        {
            await slots.RefreshAsync(db, clock.GetTimestamp(), cancellationToken);
        }

        var capacity = _pacer!.Take(freeWorkers);
        if (capacity == 0)
        {
            return null;
        }

        var claimer = scope.ServiceProvider.GetRequiredService<CallClaimer>();
        var choice = await claimer.ChooseAsync(_snapshot, capacity, remoteActive.Count, _rotation++, cancellationToken);
        _pacer.Return(capacity - choice.Count);
        _waitingForRoom = choice.Count == 0 && !_snapshot.IsEmpty;
        return choice.Count == 0 ? null : new Claim(claimer, choice, capacity);
    }

    /// <summary>
    /// Commits a choice and starts its dials. Not cancelled by a shutdown: the shutdown waits for it, so that calls
    /// committed as <c>dialing</c> are dialed rather than left to the sweeper.
    /// </summary>
    private async Task CommitAsync(AsyncServiceScope scope, CallClaimer claimer, ClaimChoice choice)
    {
        try
        {
            var claimed = await claimer.CommitAsync(choice, CancellationToken.None);
            _pacer!.Return(choice.Count - claimed.Count);
            // SQLite's dispatch loop waits for each commit (DispatchOnceAsync), so dials started here would hold up its next claim.
            var startHere = options.Value.Database.Provider == DatabaseProvider.Sqlite ? 0 : DialsStartedByTheCommit;
            for (var i = 0; i < claimed.Count; i++)
            {
                StartDial(claimed[i], startHere: i < startHere);
            }

            if (claimed.Count < choice.Count)
            {
                // Slots held for calls not claimed after all are free again.
                signal.SlotFreed();
            }
        }
        catch (Exception ex)
        {
            // Nothing was committed, or what was is left to the sweeper, as when a claim fails in the loop.
            logger.LogError(ex, "Committing a claim of {Count} calls failed", choice.Count);
            signal.SlotFreed();
        }
        finally
        {
            Interlocked.Add(ref _chosenNotDialed, -choice.Count);
            await scope.DisposeAsync();
        }
    }

    /// <summary>The snapshot's content read on a connection of its own; null when the read failed (the next one tries again).</summary>
    private Task<SnapshotRead?> ReadSnapshotAsync(CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            var at = clock.GetTimestamp();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
            var groups = await QueueView.DueGroupsAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            return new SnapshotRead(groups, await QueueView.WorkspaceLimitsAsync(db, cancellationToken), at);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Reading the queue's due groups failed; retrying");
            return null;
        }
    }, CancellationToken.None);

    /// <summary>
    /// Starts a dial, on this thread (<paramref name="startHere"/>, where it runs until its request is on its way) or
    /// queued to the thread pool.
    /// </summary>
    private void StartDial(Call call, bool startHere)
    {
        Interlocked.Increment(ref _requestsInFlight);
        // Registered before it runs, so that a dial finishing at once cannot leave a stale entry behind.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inFlight[call.Id] = done.Task;
        _ = startHere ? DialAsync(call, done) : Task.Run(() => DialAsync(call, done));
    }

    private async Task DialAsync(Call call, TaskCompletionSource done)
    {
        var requestOpen = 1;
        void RequestDone()
        {
            // A worker is free again once the provider has answered; recording the outcome does not hold one.
            if (Interlocked.Exchange(ref requestOpen, 0) == 1)
            {
                Interlocked.Decrement(ref _requestsInFlight);
                signal.SlotFreed();
            }
        }

        using var callScope = logger.BeginCallScope(call.Id);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<CallDialer>().DialAsync(call, RequestDone, _dialsAborted.Token);
        }
        catch (Exception ex)
        {
            // The call stays 'dialing' with its lease: the sweeper reconciles it.
            logger.LogError(ex, "Recording the dial of call {CallId} failed", call.Id);
        }
        finally
        {
            _inFlight.TryRemove(call.Id, out _);
            RequestDone();
            done.SetResult();
        }
    }

    /// <summary>
    /// Whether to count the active calls in the database before this claim: always after a wait that timed out, but
    /// after a wake-up in this process (a release here, already in the view) only if the last count is older than
    /// <see cref="RoomCheckInterval"/>, so that a freed slot is not held up by a count it does not need.
    /// </summary>
    private bool RoomCheckDue()
    {
        if (_woken && !Due(_lastRoomCheck, RoomCheckInterval))
        {
            return false;
        }

        _lastRoomCheck = clock.GetTimestamp();
        return true;
    }

    private bool Due(long? last, TimeSpan interval) => last is not { } timestamp || clock.GetElapsedTime(timestamp) >= interval;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A claim's chosen calls, the claimer (and through its scope, the connection) that commits them, and the capacity it was chosen for.</summary>
    private sealed record Claim(CallClaimer Claimer, ClaimChoice Choice, int Capacity);

    /// <summary>What a refresh of the queue snapshot read, and when it began.</summary>
    private sealed record SnapshotRead(List<QueuedGroup> Groups, Dictionary<string, int> WorkspaceLimits, long At);
}
