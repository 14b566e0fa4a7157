using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>How the live part of a listing went.</summary>
public static class LiveStatuses
{
    /// <summary>The API answered in time.</summary>
    public const string Ok = "ok";

    /// <summary>The API did not answer within CONVERSATIONS_API_TIMEOUT_MS.</summary>
    public const string Timeout = "timeout";

    /// <summary>The API could not be reached or answered with an error.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The API was not asked: a search it cannot answer, or a workspace without agents.</summary>
    public const string Skipped = "skipped";
}

public sealed record LiveResult(string Status, IReadOnlyList<ConversationSummary> Newest, string? Message);

/// <summary>
/// The newest conversations of a workspace, read live from ElevenLabs (one request per agent, the
/// workspace's agents being its share of the provider account), bounded by a deadline so that a
/// slow API costs the listing at most that long.
/// </summary>
public sealed class LiveConversations(OrchestratorDbContext db, ElevenLabsClient client, IOptions<OrchestratorOptions> options, ILogger<LiveConversations> logger)
{
    public const int Count = 5;
    private const int MaxAgentRequests = 8;

    public async Task<LiveResult> NewestAsync(ConversationFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Search is not null)
        {
            return new LiveResult(LiveStatuses.Skipped, [], "A search is answered from the stored conversations: the API cannot search by number.");
        }

        var agents = await db.Agents.Where(a => a.WorkspaceId == filter.WorkspaceId).Select(a => a.AgentId).ToListAsync(cancellationToken);
        if (agents.Count == 0)
        {
            return new LiveResult(LiveStatuses.Skipped, [], "The workspace has no agents to ask the API about.");
        }

        long? after = filter.DayStart is { } from ? new DateTimeOffset(from).ToUnixTimeSeconds() - 1 : null;
        long? before = filter.DayEnd is { } to ? new DateTimeOffset(to).ToUnixTimeSeconds() : null;
        var timeout = TimeSpan.FromMilliseconds(options.Value.ConversationsApiTimeoutMs);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var turns = new SemaphoreSlim(MaxAgentRequests);
        try
        {
            var pages = await Task.WhenAll(agents.Select(async agentId =>
            {
                await turns.WaitAsync(deadline.Token);
                try
                {
                    return await client.ListConversationsAsync(agentId, after, before, null, null, Count, deadline.Token, includeSummary: true);
                }
                finally
                {
                    turns.Release();
                }
            }));
            var newest = pages.SelectMany(p => p.Conversations)
                .Where(c => (after is null || c.StartTimeUnixSecs > after) && (before is null || c.StartTimeUnixSecs < before))
                .DistinctBy(c => c.ConversationId)
                .OrderByDescending(c => c.StartTimeUnixSecs).ThenByDescending(c => c.ConversationId, StringComparer.Ordinal)
                .Take(Count)
                .ToList();
            return new LiveResult(LiveStatuses.Ok, newest, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new LiveResult(LiveStatuses.Timeout, [], $"ElevenLabs did not answer within {timeout.TotalMilliseconds:0} ms; this answer comes from the stored conversations alone.");
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or NotSupportedException)
        {
            logger.LogWarning("Live conversations unavailable for workspace {WorkspaceId}: {Error}", filter.WorkspaceId, ex.Message);
            return new LiveResult(LiveStatuses.Unavailable, [], "ElevenLabs could not be reached; this answer comes from the stored conversations alone.");
        }
    }
}
