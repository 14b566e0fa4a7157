using System.Text.Json.Serialization;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// The hybrid listing: the newest conversations live from the API, the rest from the database,
/// merged newest first with each conversation once. The live ones the database lacks (or holds
/// in an older state) are stored in the background. When the API is slow or down the answer is
/// the database's alone and says so.
/// </summary>
public sealed class ConversationListing(
    OrchestratorDbContext db, ConversationQueries queries, LiveConversations live, ConversationBackfill backfill, TimeProvider clock)
{
    public async Task<ConversationListResponse> ListAsync(ConversationFilter filter, int page, int pageSize, CancellationToken cancellationToken)
    {
        var liveResult = await live.NewestAsync(filter, cancellationToken);

        // Merging live rows needs one snapshot; a database-only answer is a count and a page, and
        // saves the transaction's round trips.
        await using var snapshot = liveResult.Newest.Count > 0 ? await ReadSnapshot.BeginAsync(db, cancellationToken) : null;
        var now = clock.GetUtcNow().UtcDateTime;
        var liveRows = liveResult.Newest.Select(s => ConversationRecord.FromSummary(s, filter.WorkspaceId, now)).ToList();

        // Live conversations already stored keep their stored place; the others are new to this answer.
        var stored = (await queries.FindManyAsync(filter.WorkspaceId, liveRows.Select(r => r.ConversationId).ToList(), cancellationToken))
            .ToDictionary(r => r.ConversationId, StringComparer.Ordinal);
        var toStore = liveResult.Newest.Where(summary => !stored.TryGetValue(summary.ConversationId, out var row)
            || row.Status != ConversationStatuses.FromProvider(summary.Status) || row.DurationSecs != summary.CallDurationSecs).ToList();
        var liveItems = liveRows.ToDictionary(
            r => r.ConversationId,
            r => ConversationListItem.From(stored.TryGetValue(r.ConversationId, out var known) ? Refresh(known, r) : r, ConversationSources.Api),
            StringComparer.Ordinal);
        var fresh = liveItems.Values.Where(i => !stored.ContainsKey(i.ConversationId)).ToList();
        fresh.Sort(ConversationListItem.NewestFirst);

        var storedTotal = await queries.CountAsync(filter, cancellationToken);
        var total = storedTotal + fresh.Count;
        var offset = (long)(page - 1) * pageSize;

        // In the merged order a stored row moves down by the fresh ones newer than it, and a fresh
        // one sits after the stored rows newer than it: the stored rows this page needs start at
        // most fresh.Count before the page's own offset.
        var ranked = new List<(long Rank, ConversationListItem Item)>();
        for (var i = 0; i < fresh.Count; i++)
        {
            var newerStored = await queries.CountNewerAsync(filter, fresh[i].StartedAt ?? now, fresh[i].ConversationId, cancellationToken);
            ranked.Add((newerStored + i, fresh[i]));
        }

        var storedOffset = Math.Max(0, offset - fresh.Count);
        if (storedOffset < storedTotal)
        {
            var rows = await queries.PageAsync(filter, (int)storedOffset, pageSize + fresh.Count, cancellationToken);
            for (var i = 0; i < rows.Count; i++)
            {
                var item = liveItems.TryGetValue(rows[i].ConversationId, out var liveItem) ? liveItem : ConversationListItem.From(rows[i], ConversationSources.Database);
                var freshNewer = fresh.Count(f => ConversationListItem.NewestFirst(f, item) < 0);
                ranked.Add((storedOffset + i + freshNewer, item));
            }
        }

        // A conversation another writer stored meanwhile can be both fresh and stored: shown once.
        var data = ranked.Where(r => r.Rank >= offset && r.Rank < offset + pageSize).OrderBy(r => r.Rank).Select(r => r.Item)
            .DistinctBy(i => i.ConversationId, StringComparer.Ordinal).ToList();

        // Queued only now, so that this answer's own reads never see its background writes.
        foreach (var summary in toStore)
        {
            backfill.Enqueue(filter.WorkspaceId, summary);
        }

        var fromApi = data.Count(i => i.Source == ConversationSources.Api);
        var apiAnswered = liveResult.Status == LiveStatuses.Ok;
        return new ConversationListResponse
        {
            Success = true,
            Source = apiAnswered ? "hybrid" : ConversationSources.Database,
            ApiStatus = liveResult.Status,
            Message = liveResult.Message,
            Data = data,
            Stats = new ConversationListStats(
                data.Count,
                fromApi,
                data.Count - fromApi,
                Math.Round(data.Sum(i => i.DurationSecs ?? 0) / 60.0, 2)),
            Pagination = new ConversationPagination(page, pageSize, total, total == 0 ? 0 : (total + pageSize - 1) / pageSize),
        };
    }

    /// <summary>A stored row brought up to what the API says now (the parts a list entry carries).</summary>
    private static Conversation Refresh(Conversation stored, Conversation live)
    {
        stored.Status = stored.Status is ConversationStatuses.Done or ConversationStatuses.Failed && live.Status is ConversationStatuses.InProgress or ConversationStatuses.Waiting
            ? stored.Status
            : live.Status;
        stored.DurationSecs = live.DurationSecs ?? stored.DurationSecs;
        stored.EndedAt = live.EndedAt ?? stored.EndedAt;
        stored.EndReason = live.EndReason ?? stored.EndReason;
        stored.Summary = live.Summary ?? stored.Summary;
        return stored;
    }
}

public sealed record ConversationListResponse
{
    [JsonPropertyName("success")] public bool Success { get; init; }

    /// <summary><c>hybrid</c> (API and database) or <c>database</c> (the API was not used).</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }

    /// <summary>ok, timeout, unavailable or skipped.</summary>
    [JsonPropertyName("api_status")] public required string ApiStatus { get; init; }

    [JsonPropertyName("message")] public string? Message { get; init; }
    [JsonPropertyName("data")] public required IReadOnlyList<ConversationListItem> Data { get; init; }
    [JsonPropertyName("stats")] public required ConversationListStats Stats { get; init; }
    [JsonPropertyName("pagination")] public required ConversationPagination Pagination { get; init; }
}

/// <summary>Figures of this page of the answer.</summary>
public sealed record ConversationListStats(
    [property: JsonPropertyName("total_conversations")] int TotalConversations,
    [property: JsonPropertyName("from_api")] int FromApi,
    [property: JsonPropertyName("from_database")] int FromDatabase,
    [property: JsonPropertyName("total_duration_minutes")] double TotalDurationMinutes);

public sealed record ConversationPagination(
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("total_pages")] long TotalPages);
