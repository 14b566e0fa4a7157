namespace VoiceOrchestrator.Conversations;

/// <summary>
/// How many conversations a workspace has in one status, in one shard: the count is the sum over
/// the shards. Kept by database triggers on <c>conversations</c>; the application only reads it.
/// </summary>
public sealed class ConversationCount
{
    public required string WorkspaceId { get; set; }
    public required string Status { get; set; }

    /// <summary>PostgreSQL spreads concurrent inserts over shards; SQLite keeps only shard 0.</summary>
    public int Shard { get; set; }
    public long Conversations { get; set; }
}
