using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Applies PostgreSQL call transitions in batches, each batch one statement (see
/// <see cref="PostgresBatchWriter{TItem, TResult}"/>). A wave of webhooks brings dozens of transitions
/// at once, and the server's time went mostly into running each as its own statement (planning, the
/// day-summary trigger, the commit) rather than into the rows themselves. Two transitions of one call
/// never share a batch.
/// </summary>
public sealed class PostgresTransitionBatches(IOptions<OrchestratorOptions> options, ILogger<PostgresTransitionBatches> logger)
    : PostgresBatchWriter<PendingTransition, CallState?>(options.Value.Database.ForBatchWriters().ConnectionString, "call transition batches", logger, Writers)
{
    /// <summary>
    /// Two batches may be written at once: in a wave of webhooks a transition that arrived during a batch otherwise
    /// waited for it to end, and that wait was the larger part of a freed slot's way to its next dial.
    /// </summary>
    public const int Writers = 2;

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

    /// <summary>
    /// Applies <paramref name="transition"/> in the next batch that can take it; returns the state the call left, or
    /// null when the call was in none of the expected states (or does not exist). <paramref name="committed"/> is
    /// called by the writer right after the commit, before the caller resumes, so that a freed slot is reported at once.
    /// </summary>
    public Task<CallState?> ApplyAsync(PendingTransition transition, Action<CallState> committed, CancellationToken cancellationToken) =>
        EnqueueAsync(transition, left =>
        {
            if (left is { } state)
            {
                committed(state);
            }
        }, cancellationToken);

    protected override object KeyOf(PendingTransition item) => item.CallId;

    protected override IReadOnlyList<CallState?> Execute(NpgsqlConnection connection, IReadOnlyList<PendingTransition> transitions)
    {
        using var command = new NpgsqlCommand(BatchSql, connection);
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

        var left = new Dictionary<Guid, CallState>(transitions.Count);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var state = reader.GetString(1);
            left[reader.GetGuid(0)] = CallStates.TryParse(state, out var parsed) ? parsed : throw new InvalidOperationException($"Unknown call state '{state}'.");
        }

        return [.. transitions.Select(t => left.TryGetValue(t.CallId, out var state) ? state : (CallState?)null)];
    }

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | type) { TypedValue = values.ToArray() });
}
