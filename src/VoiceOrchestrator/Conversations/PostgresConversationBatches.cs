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
    : PostgresBatchWriter<Conversation, int>(options.Value.Database.ForBatchWriters().ConnectionString, "conversation batches", logger)
{
    /// <summary>Upserts <paramref name="row"/> in the next batch that can take it; returns the rows it wrote (0 or 1).</summary>
    public Task<int> UpsertAsync(Conversation row, CancellationToken cancellationToken) => EnqueueAsync(row, null, cancellationToken);

    protected override object KeyOf(Conversation item) => item.ConversationId;

    /// <summary>Without a transaction of its own, a batch of statements is one implicit transaction.</summary>
    protected override IReadOnlyList<int> Execute(NpgsqlConnection connection, IReadOnlyList<Conversation> items)
    {
        using var batch = new NpgsqlBatch(connection);
        foreach (var row in items)
        {
            var command = new NpgsqlBatchCommand(ConversationWriter.UpsertSql);
            ConversationWriter.Bind(command.Parameters, () => new NpgsqlParameter(), row, sqlite: false);
            batch.BatchCommands.Add(command);
        }

        batch.ExecuteNonQuery();
        return [.. batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected)];
    }
}
