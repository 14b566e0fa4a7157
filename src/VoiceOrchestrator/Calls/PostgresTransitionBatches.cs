using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Applies PostgreSQL call transitions in batches, each batch one statement. A wave of webhooks
/// brings dozens of transitions at once, and on two cores the server's time went mostly into
/// running each as its own statement (planning, the day-summary trigger, the commit) rather than
/// into the rows themselves. Whoever finds no batch being written becomes the writer and writes
/// everything waiting, then whatever arrived meanwhile; everyone else waits for the batch that
/// holds their transition. Two transitions of one call never share a batch: the later one waits
/// for the next, so they apply in the order they came.
/// </summary>
public sealed class PostgresTransitionBatches(IOptions<OrchestratorOptions> options, ILogger<PostgresTransitionBatches> logger)
{
    /// <summary>At most this many transitions share a statement, so that one batch holds its rows briefly.</summary>
    private const int MaxBatch = 256;

    /// <summary>
    /// Lock each call that is in one of its transition's expected states, in id order (so that two
    /// batches never wait for each other crosswise), update it, and record its event with the state
    /// it left. A row another writer changes meanwhile is waited for and its state checked again.
    /// </summary>
    private const string BatchSql = """
        WITH input AS (
            SELECT * FROM unnest(@id, @from, @to, @reason, @now, @conversation_id, @provider_call_id, @failure_reason,
                @termination_reason, @last_error, @sip_trunk_used, @duration_secs, @eleven_labs_credits, @cost_eleven_labs,
                @answered_at, @ended_at, @set_lease, @lease_expires_at, @set_next_attempt, @next_attempt_at, @attempt_delta)
            AS t(id, from_states, to_state, reason, at, conversation_id, provider_call_id, failure_reason,
                termination_reason, last_error, sip_trunk_used, duration_secs, eleven_labs_credits, cost_eleven_labs,
                answered_at, ended_at, set_lease, lease_expires_at, set_next_attempt, next_attempt_at, attempt_delta)
        ), previous AS (
            SELECT calls.id, calls.state, calls.attempts FROM calls JOIN input ON input.id = calls.id
            WHERE calls.state = ANY(string_to_array(input.from_states, ','))
            ORDER BY calls.id
            FOR UPDATE OF calls
        ), changed AS (
            UPDATE calls SET
                state = input.to_state,
                updated_at = input.at,
                conversation_id = COALESCE(input.conversation_id, calls.conversation_id),
                provider_call_id = COALESCE(input.provider_call_id, calls.provider_call_id),
                failure_reason = COALESCE(input.failure_reason, calls.failure_reason),
                termination_reason = COALESCE(input.termination_reason, calls.termination_reason),
                last_error = COALESCE(input.last_error, calls.last_error),
                sip_trunk_used = COALESCE(input.sip_trunk_used, calls.sip_trunk_used),
                duration_secs = COALESCE(input.duration_secs, calls.duration_secs),
                eleven_labs_credits = COALESCE(input.eleven_labs_credits, calls.eleven_labs_credits),
                cost_eleven_labs = COALESCE(input.cost_eleven_labs, calls.cost_eleven_labs),
                answered_at = COALESCE(input.answered_at, calls.answered_at),
                ended_at = COALESCE(input.ended_at, calls.ended_at),
                lease_expires_at = CASE WHEN input.set_lease THEN input.lease_expires_at ELSE calls.lease_expires_at END,
                next_attempt_at = CASE WHEN input.set_next_attempt THEN input.next_attempt_at ELSE calls.next_attempt_at END,
                attempts = calls.attempts + input.attempt_delta
            FROM previous JOIN input ON input.id = previous.id
            WHERE calls.id = previous.id
            RETURNING calls.id, previous.state AS from_state, previous.attempts AS attempt, input.to_state, input.reason, input.at
        )
        INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
        SELECT id, from_state, to_state, reason, attempt, at FROM changed
        RETURNING call_id, from_state
        """;

    private readonly string _connectionString = options.Value.Database.ForTransitions().ConnectionString;
    private readonly Lock _lock = new();
    private readonly LinkedList<Pending> _queue = new();
    private bool _writing;
    private int _batchesTaken;

    /// <summary>Transitions waiting for a batch.</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Batches taken so far, each written as one statement unless it failed.</summary>
    internal int BatchesTaken => Volatile.Read(ref _batchesTaken);

    /// <summary>
    /// Applies <paramref name="transition"/> in the next batch that can take it; returns the state the call left, or
    /// null when the call was in none of the expected states (or does not exist). <paramref name="committed"/> is
    /// called by the writer right after the commit, before the caller resumes, so that a freed slot is reported at once.
    /// </summary>
    public async Task<CallState?> ApplyAsync(PendingTransition transition, Action<CallState> committed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(transition, committed, cancellationToken);
        bool becomeWriter;
        lock (_lock)
        {
            _queue.AddLast(pending);
            becomeWriter = !_writing;
            _writing = true;
        }

        if (becomeWriter)
        {
            await WriteUntilDoneAsync(pending);
        }

        return await pending.Result.Task;
    }

    /// <summary>Writes batches until the caller's own transition is done; whatever is still queued then is written on the thread pool.</summary>
    private async Task WriteUntilDoneAsync(Pending own)
    {
        while (await WriteBatchAsync())
        {
            if (own.Result.Task.IsCompleted)
            {
                _ = Task.Run(WriteWhileQueuedAsync);
                return;
            }
        }
    }

    private async Task WriteWhileQueuedAsync()
    {
        while (await WriteBatchAsync())
        {
        }
    }

    /// <summary>Writes one batch; false when nothing was queued (and this caller stopped being the writer).</summary>
    private async Task<bool> WriteBatchAsync()
    {
        var batch = new List<Pending>();
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            // Taken only now, so that whatever arrived while the connection was opened shares this batch.
            if (!TakeBatch(batch))
            {
                return false;
            }

            await WriteAsync(connection, batch);
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(ex);
            }

            if (batch.Count == 0)
            {
                // Failed before a batch was taken (no connection): those waiting hear of it, and the next caller tries again.
                FailQueued(ex);
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Writes the batch as one statement. If it fails, it changed nothing, so each transition is tried again alone:
    /// one that cannot be applied fails only its own caller.
    /// </summary>
    private async Task WriteAsync(NpgsqlConnection connection, List<Pending> batch)
    {
        Dictionary<Guid, CallState> left;
        try
        {
            left = await ExecuteAsync(connection, batch);
        }
        catch (Exception ex) when (batch.Count > 1 && connection.State == System.Data.ConnectionState.Open)
        {
            logger.LogWarning(ex, "A batch of {Count} call transitions failed; applying them one by one", batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    Complete(pending, await ExecuteAsync(connection, [pending]));
                }
                catch (Exception single)
                {
                    pending.Result.TrySetException(single);
                }
            }

            return;
        }

        foreach (var pending in batch)
        {
            Complete(pending, left);
        }
    }

    private static void Complete(Pending pending, Dictionary<Guid, CallState> left)
    {
        if (!left.TryGetValue(pending.Transition.CallId, out var state))
        {
            pending.Result.TrySetResult(null);
            return;
        }

        try
        {
            pending.Committed(state);
            pending.Result.TrySetResult(state);
        }
        catch (Exception ex)
        {
            // Only this caller hears of it; the others' transitions are committed and theirs to report.
            pending.Result.TrySetException(ex);
        }
    }

    private static async Task<Dictionary<Guid, CallState>> ExecuteAsync(NpgsqlConnection connection, IReadOnlyList<Pending> batch)
    {
        await using var command = new NpgsqlCommand(BatchSql, connection);
        var transitions = batch.Select(p => p.Transition).ToArray();
        Add(command, "id", NpgsqlDbType.Uuid, transitions.Select(t => t.CallId));
        Add(command, "from", NpgsqlDbType.Text, transitions.Select(t => string.Join(',', t.From.Select(s => s.ToWire()))));
        Add(command, "to", NpgsqlDbType.Text, transitions.Select(t => t.To.ToWire()));
        Add(command, "reason", NpgsqlDbType.Text, transitions.Select(t => t.Reason));
        Add(command, "now", NpgsqlDbType.TimestampTz, transitions.Select(t => t.Now));
        Add(command, "conversation_id", NpgsqlDbType.Text, transitions.Select(t => t.Change.ConversationId));
        Add(command, "provider_call_id", NpgsqlDbType.Text, transitions.Select(t => t.Change.ProviderCallId));
        Add(command, "failure_reason", NpgsqlDbType.Text, transitions.Select(t => t.Change.FailureReason));
        Add(command, "termination_reason", NpgsqlDbType.Text, transitions.Select(t => t.Change.TerminationReason));
        Add(command, "last_error", NpgsqlDbType.Text, transitions.Select(t => t.Change.LastError));
        Add(command, "sip_trunk_used", NpgsqlDbType.Boolean, transitions.Select(t => t.Change.SipTrunkUsed));
        Add(command, "duration_secs", NpgsqlDbType.Integer, transitions.Select(t => t.Change.DurationSecs));
        Add(command, "eleven_labs_credits", NpgsqlDbType.Double, transitions.Select(t => t.Change.ElevenLabsCredits));
        Add(command, "cost_eleven_labs", NpgsqlDbType.Double, transitions.Select(t => t.Change.CostElevenLabs));
        Add(command, "answered_at", NpgsqlDbType.TimestampTz, transitions.Select(t => t.Change.AnsweredAt));
        Add(command, "ended_at", NpgsqlDbType.TimestampTz, transitions.Select(t => t.Change.Ended ? t.Now : (DateTime?)null));
        Add(command, "set_lease", NpgsqlDbType.Boolean, transitions.Select(t => t.Change.Lease is not null));
        Add(command, "lease_expires_at", NpgsqlDbType.TimestampTz, transitions.Select(t => t.Change.Lease?.Value));
        Add(command, "set_next_attempt", NpgsqlDbType.Boolean, transitions.Select(t => t.Change.NextAttempt is not null));
        Add(command, "next_attempt_at", NpgsqlDbType.TimestampTz, transitions.Select(t => t.Change.NextAttempt?.Value));
        Add(command, "attempt_delta", NpgsqlDbType.Integer, transitions.Select(t => t.Change.AttemptDelta));

        var left = new Dictionary<Guid, CallState>(batch.Count);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var state = reader.GetString(1);
            left[reader.GetGuid(0)] = CallStates.TryParse(state, out var parsed) ? parsed : throw new InvalidOperationException($"Unknown call state '{state}'.");
        }

        return left;
    }

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | type) { TypedValue = values.ToArray() });

    /// <summary>Takes the waiting transitions in order, leaving a second transition of a call for the next batch.</summary>
    private bool TakeBatch(List<Pending> batch)
    {
        lock (_lock)
        {
            var calls = new HashSet<Guid>();
            var node = _queue.First;
            while (batch.Count < MaxBatch && node is not null)
            {
                var next = node.Next;
                var pending = node.Value;
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    // A caller that gave up before its batch began is not written.
                    _queue.Remove(node);
                    pending.Result.TrySetCanceled(pending.CancellationToken);
                }
                else if (calls.Add(pending.Transition.CallId))
                {
                    _queue.Remove(node);
                    batch.Add(pending);
                }

                node = next;
            }

            if (batch.Count == 0)
            {
                _writing = false;
                return false;
            }

            _batchesTaken++;
            return true;
        }
    }

    private void FailQueued(Exception ex)
    {
        lock (_lock)
        {
            foreach (var next in _queue)
            {
                next.Result.TrySetException(ex);
            }

            _queue.Clear();
            _writing = false;
        }
    }

    private sealed class Pending(PendingTransition transition, Action<CallState> committed, CancellationToken cancellationToken)
    {
        public PendingTransition Transition { get; } = transition;
        public Action<CallState> Committed { get; } = committed;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<CallState?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
