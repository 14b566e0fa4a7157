using Microsoft.Extensions.Options;
using Npgsql;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Upserts the conversations that webhooks carry in batches of one round trip and one transaction on
/// PostgreSQL (see <see cref="PostgresBatchWriter{TItem, TResult}"/>): a wave of webhooks otherwise
/// kept twenty server processes busy with one insert each, while the transitions and the claim that
/// fill the freed slots waited for a core.
/// </summary>
public sealed class PostgresConversationBatches(IOptions<OrchestratorOptions> options, ILogger<PostgresConversationBatches> logger)
    : PostgresBatchWriter<ConversationUpsert, int>(options.Value.Database.ForBatchWriters().ConnectionString, "conversation batches", logger)
{
    /// <summary>Upserts <paramref name="row"/> in the next batch that can take it; returns the rows it wrote (0 or 1).</summary>
    public Task<int> UpsertAsync(ConversationUpsert upsert, CancellationToken cancellationToken) => EnqueueAsync(upsert, null, cancellationToken);

    protected override object KeyOf(ConversationUpsert item) => item.Row.ConversationId;

    /// <summary>Without a transaction of its own, a batch of statements is one implicit transaction.</summary>
    protected override IReadOnlyList<int> Execute(NpgsqlConnection connection, IReadOnlyList<ConversationUpsert> items)
    {
        using var batch = new NpgsqlBatch(connection);
        foreach (var upsert in items)
        {
            var command = new NpgsqlBatchCommand(upsert.Sql);
            ConversationWriter.Bind(command.Parameters, () => new NpgsqlParameter(), upsert, sqlite: false);
            batch.BatchCommands.Add(command);
        }

        batch.ExecuteNonQuery();
        return [.. batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected)];
    }
}
