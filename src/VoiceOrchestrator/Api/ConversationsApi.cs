using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Conversation history of the ElevenLabs call sync: the hybrid listing, one conversation with its
/// transcript, manual sync and sync statistics. Field names are snake_case, as that system's were.
/// </summary>
public static class ConversationsApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    private const int MaxSearchLength = 200;
    private const int RecentSyncs = 10;

    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Conversations");
        group.MapGet("/", ListConversations)
            .WithSummary("List conversations newest first: the newest 5 live from ElevenLabs, the rest from the database.")
            .WithDescription("page, page_size (20, at most 100), search (a conversation id or a phone number, exact), date_filter (YYYY-MM-DD, UTC). "
                + "When ElevenLabs is slow (CONVERSATIONS_API_TIMEOUT_MS) or down the answer comes from the database alone: source 'database' and api_status say so.")
            .Produces<ConversationListResponse>().ProducesValidationProblem();
        group.MapGet("/{id}", GetConversation).WithSummary("Read one conversation with its transcript, analysis and provider metadata.")
            .Produces<ConversationDetail>().ProducesProblem(404);
        group.MapPost("/sync", SyncConversations)
            .WithSummary("Sync conversations from ElevenLabs into the database now (new or changed ones, upserted; the run is logged).")
            .WithDescription("Body {limit} (100, at most 100000): how many of the newest listed conversations to look at. Runs for one workspace take turns.")
            .Produces<SyncRunResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status502BadGateway);
        group.MapGet("/sync/stats", SyncStats).WithSummary("Stored conversations by status and the most recent sync runs.")
            .Produces<SyncStatsResponse>();

        app.MapGet("/api/consultations/elevenlabs", ListConversations)
            .RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Conversations")
            .WithSummary("Alias of GET /conversations (the ElevenLabs call sync's route).")
            .Produces<ConversationListResponse>().ProducesValidationProblem();
        return app;
    }

    public static async Task<IResult> ListConversations(
        [AsParameters] ConversationListQuery query, ClaimsPrincipal user, WorkspaceResolver resolver, ConversationListing listing, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, query.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var page = query.Page ?? 1;
        var pageSize = query.PageSize ?? DefaultPageSize;
        if (page < 1 || page > 1_000_000)
        {
            errors.Add("page", "Must be from 1 to 1000000.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add("page_size", $"Must be from 1 to {MaxPageSize}.");
        }

        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();
        if (search is { Length: > MaxSearchLength })
        {
            errors.Add("search", $"At most {MaxSearchLength} characters: a conversation id or a phone number.");
        }

        DateOnly? day = null;
        if (!string.IsNullOrWhiteSpace(query.DateFilter))
        {
            if (DateOnly.TryParseExact(query.DateFilter.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                day = parsed;
            }
            else
            {
                errors.Add("date_filter", "Must be a date, YYYY-MM-DD (a UTC day).");
            }
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var response = await listing.ListAsync(new ConversationFilter(scope.WorkspaceId!, search, day), page, pageSize, cancellationToken);
        return TypedResults.Ok(response);
    }

    public static async Task<IResult> GetConversation(
        string id, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, ConversationQueries queries, OrchestratorDbContext db,
        ElevenLabsClient client, ConversationWriter writer, IOptions<OrchestratorOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var stored = await queries.FindAsync(scope.WorkspaceId!, id, cancellationToken);
        if (stored is not null)
        {
            stored.CallId ??= await queries.FindCallIdAsync(scope.WorkspaceId!, id, cancellationToken);
            return TypedResults.Ok(ConversationDetail.From(stored, ConversationSources.Database));
        }

        // Not stored yet (newer than the last sync, or its webhook was missed): ask the API once,
        // within the listing's deadline, and keep it if it is one of this workspace's agents.
        var fetched = await FetchAsync(id, scope.WorkspaceId!, db, client, options.Value, clock, cancellationToken);
        if (fetched is null)
        {
            return Problems.NotFound($"Conversation '{id}'");
        }

        await writer.UpsertAsync([fetched], cancellationToken);
        return TypedResults.Ok(ConversationDetail.From(fetched, ConversationSources.Api));
    }

    private static async Task<Conversation?> FetchAsync(
        string id, string workspaceId, OrchestratorDbContext db, ElevenLabsClient client, OrchestratorOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConversationsApiTimeoutMs);
        try
        {
            if (await client.GetConversationAsync(id, deadline.Token) is not { } data
                || ConversationRecord.FromDetail(data, workspaceId, syncedFromApi: true, clock.GetUtcNow().UtcDateTime) is not { } row
                || row.ConversationId != id
                || !await db.Agents.AnyAsync(a => a.WorkspaceId == workspaceId && a.AgentId == row.AgentId, cancellationToken))
            {
                return null;
            }

            row.CallId = ConversationRecord.UserCallId(data);
            return row;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public static async Task<IResult> SyncConversations(
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] ConversationSyncRequest? request,
        ClaimsPrincipal user, WorkspaceResolver resolver, ConversationSync sync, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, request?.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var limit = request?.Limit ?? ConversationSync.DefaultLimit;
        if (limit is < 1 or > ConversationSync.MaxLimit)
        {
            return Problems.Field("limit", $"Must be from 1 to {ConversationSync.MaxLimit}.");
        }

        var run = await sync.RunAsync(scope.WorkspaceId!, limit, cancellationToken);
        var response = SyncRunResponse.From(run);
        if (run.Log.Status == SyncLogs.Failed)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status502BadGateway,
                title: "Sync failed",
                detail: $"The sync stopped or missed conversations because of an ElevenLabs error; what was synced is kept. {run.Log.Error}",
                extensions: new Dictionary<string, object?> { ["sync"] = response });
        }

        return TypedResults.Ok(response);
    }

    public static async Task<IResult> SyncStats(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, SyncLogs logs, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var counts = await db.ConversationCounts.Where(c => c.WorkspaceId == scope.WorkspaceId)
            .GroupBy(c => c.Status)
            .Select(g => new { Status = g.Key, Count = g.Sum(c => c.Conversations) })
            .Where(g => g.Count > 0)
            .OrderBy(g => g.Status)
            .Select(g => new StatusCount(g.Status, g.Count))
            .ToListAsync(cancellationToken);
        var recent = await logs.RecentAsync(scope.WorkspaceId!, RecentSyncs, cancellationToken);
        return TypedResults.Ok(new SyncStatsResponse(true, counts.Sum(c => c.Count), counts, [.. recent.Select(SyncLogView.From)]));
    }
}

public sealed record ConversationListQuery(
    [property: FromQuery(Name = "workspaceId")] string? WorkspaceId,
    [property: FromQuery(Name = "page")] int? Page,
    [property: FromQuery(Name = "page_size")] int? PageSize,
    [property: FromQuery(Name = "search")] string? Search,
    [property: FromQuery(Name = "date_filter")] string? DateFilter);

public sealed record ConversationSyncRequest(int? Limit, string? WorkspaceId);

/// <summary>One conversation in full: the listing's fields plus the transcript and the provider's blocks, as JSON.</summary>
public sealed record ConversationDetail
{
    [JsonPropertyName("success")] public bool Success { get; init; } = true;
    [JsonPropertyName("data")] public required ConversationListItem Conversation { get; init; }
    [JsonPropertyName("transcript")] public JsonElement? Transcript { get; init; }
    [JsonPropertyName("analysis")] public JsonElement? Analysis { get; init; }
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; init; }
    [JsonPropertyName("created_at")] public DateTime CreatedAt { get; init; }
    [JsonPropertyName("updated_at")] public DateTime UpdatedAt { get; init; }

    public static ConversationDetail From(Conversation c, string source) => new()
    {
        Conversation = ConversationListItem.From(c, source),
        Transcript = Parse(c.Transcript),
        Analysis = Parse(c.Analysis),
        Metadata = Parse(c.Metadata),
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
    };

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record SyncRunResponse(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("sync")] SyncLogView Sync,
    [property: JsonPropertyName("listed")] int Listed,
    [property: JsonPropertyName("unchanged")] int Unchanged,
    [property: JsonPropertyName("pages")] int Pages)
{
    public static SyncRunResponse From(SyncRun run) =>
        new(run.Log.Status == SyncLogs.Success, SyncLogView.From(run.Log), run.Listed, run.Unchanged, run.Pages);
}

public sealed record SyncLogView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("records_synced")] int RecordsSynced,
    [property: JsonPropertyName("records_failed")] int RecordsFailed,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("started_at")] DateTime StartedAt,
    [property: JsonPropertyName("completed_at")] DateTime? CompletedAt)
{
    public static SyncLogView From(SyncLog log) =>
        new(log.Id, log.Type, log.Status, log.RecordsSynced, log.RecordsFailed, log.Error, log.StartedAt, log.CompletedAt);
}

public sealed record StatusCount(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("count")] long Count);

public sealed record SyncStatsResponse(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("total_calls")] long TotalCalls,
    [property: JsonPropertyName("by_status")] IReadOnlyList<StatusCount> ByStatus,
    [property: JsonPropertyName("recent_syncs")] IReadOnlyList<SyncLogView> RecentSyncs);
