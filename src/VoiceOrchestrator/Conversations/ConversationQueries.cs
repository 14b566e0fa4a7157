using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Reads of the stored conversations. Every query is an index walk: pages go down
/// (workspace, started_at, conversation_id); a search is a look-up by id or by number; the
/// unfiltered total comes from the trigger-kept counters.
/// </summary>
public sealed class ConversationQueries(OrchestratorDbContext db)
{
    public async Task<long> CountAsync(ConversationFilter filter, CancellationToken cancellationToken)
    {
        if (filter.IsUnfiltered)
        {
            return await db.ConversationCounts.Where(c => c.WorkspaceId == filter.WorkspaceId).SumAsync(c => c.Conversations, cancellationToken);
        }

        return await Matching(filter).LongCountAsync(cancellationToken);
    }

    /// <summary>A slice of the matching conversations, newest first.</summary>
    public Task<List<Conversation>> PageAsync(ConversationFilter filter, int offset, int take, CancellationToken cancellationToken) =>
        NewestFirst(Matching(filter)).Skip(offset).Take(take).Select(WithoutBlobs).ToListAsync(cancellationToken);

    /// <summary>How many matching conversations sort before the given one (are newer).</summary>
    public Task<int> CountNewerAsync(ConversationFilter filter, DateTime startedAt, string conversationId, CancellationToken cancellationToken) =>
        Matching(filter)
            .Where(c => c.StartedAt > startedAt || (c.StartedAt == startedAt && string.Compare(c.ConversationId, conversationId) > 0))
            .CountAsync(cancellationToken);

    /// <summary>The stored rows among the given ids, in this workspace (without transcripts).</summary>
    public async Task<List<Conversation>> FindManyAsync(string workspaceId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        // By primary key alone (the workspace is checked on the few rows found), so no planner can prefer walking the workspace.
        var rows = await db.Conversations.Where(c => ids.Contains(c.ConversationId)).Select(WithoutBlobs).ToListAsync(cancellationToken);
        return [.. rows.Where(r => r.WorkspaceId == workspaceId)];
    }

    public Task<Conversation?> FindAsync(string workspaceId, string conversationId, CancellationToken cancellationToken) =>
        db.Conversations.FirstOrDefaultAsync(c => c.ConversationId == conversationId && c.WorkspaceId == workspaceId, cancellationToken);

    /// <summary>Our call that recorded this conversation id, for a conversation stored before its call was known.</summary>
    public Task<Guid?> FindCallIdAsync(string workspaceId, string conversationId, CancellationToken cancellationToken) =>
        db.Calls.Where(c => c.ConversationId == conversationId && c.WorkspaceId == workspaceId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);

    private IQueryable<Conversation> Matching(ConversationFilter filter)
    {
        var workspaceId = filter.WorkspaceId;
        IQueryable<Conversation> query;
        if (filter.SearchNumber is { } number)
        {
            // A union of three look-ups, each on its own index and each already within the workspace.
            // Neither an OR of them nor a workspace term beside the union: with either, SQLite walks
            // the whole workspace in date order instead of sorting the few rows found.
            var search = filter.Search!;
            var ids = db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.CalleeNumber == number).Select(c => c.ConversationId)
                .Union(db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.CallerNumber == number).Select(c => c.ConversationId))
                .Union(db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.ConversationId == search).Select(c => c.ConversationId));
            query = db.Conversations.Where(c => ids.Contains(c.ConversationId));
        }
        else if (filter.Search is { } search)
        {
            query = db.Conversations.Where(c => c.ConversationId == search && c.WorkspaceId == workspaceId);
        }
        else
        {
            query = db.Conversations.Where(c => c.WorkspaceId == workspaceId);
        }

        if (filter.DayStart is { } from && filter.DayEnd is { } to)
        {
            query = query.Where(c => c.StartedAt >= from && c.StartedAt < to);
        }

        return query;
    }

    private static IQueryable<Conversation> NewestFirst(IQueryable<Conversation> query) =>
        query.OrderByDescending(c => c.StartedAt).ThenByDescending(c => c.ConversationId);

    private static readonly System.Linq.Expressions.Expression<Func<Conversation, Conversation>> WithoutBlobs = c => new Conversation
    {
        ConversationId = c.ConversationId,
        WorkspaceId = c.WorkspaceId,
        CallId = c.CallId,
        AgentId = c.AgentId,
        CallerNumber = c.CallerNumber,
        CalleeNumber = c.CalleeNumber,
        Status = c.Status,
        Direction = c.Direction,
        CallType = c.CallType,
        StartedAt = c.StartedAt,
        EndedAt = c.EndedAt,
        DurationSecs = c.DurationSecs,
        Summary = c.Summary,
        EndReason = c.EndReason,
        HasRecording = c.HasRecording,
        SyncedFromApi = c.SyncedFromApi,
        LastSyncedAt = c.LastSyncedAt,
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
    };
}
