using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Manual sync: pages through the provider's conversation list (100 a page, by cursor) for each
/// agent of the workspace, fetches the details of the new or changed ones a few at a time, and
/// upserts them page by page, so that whatever was synced before an error stays synced. Runs for
/// one workspace take turns in this process; across instances the upsert keeps them harmless.
/// </summary>
public sealed class ConversationSync(
    OrchestratorDbContext db, ElevenLabsClient client, ConversationWriter writer, SyncLogs logs, TimeProvider clock, ILogger<ConversationSync> logger)
{
    public const int PageSize = 100;
    public const int DefaultLimit = 100;
    public const int MaxLimit = 100_000;

    /// <summary>Detail requests in flight at once during a sync.</summary>
    public const int DetailParallelism = 16;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WorkspaceTurns = new(StringComparer.Ordinal);

    /// <summary>Runs one sync of at most <paramref name="limit"/> listed conversations; returns its finished log.</summary>
    public async Task<SyncRun> RunAsync(string workspaceId, int limit, CancellationToken cancellationToken)
    {
        var turn = WorkspaceTurns.GetOrAdd(workspaceId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken);
        try
        {
            return await RunLockedAsync(workspaceId, limit, cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task<SyncRun> RunLockedAsync(string workspaceId, int limit, CancellationToken cancellationToken)
    {
        var log = await logs.StartAsync(workspaceId, SyncLogs.Manual, cancellationToken);
        var run = new SyncRun(log);
        var agents = await db.Agents.Where(a => a.WorkspaceId == workspaceId).OrderBy(a => a.AgentId).Select(a => a.AgentId).ToListAsync(cancellationToken);
        try
        {
            foreach (var agentId in agents)
            {
                string? cursor = null;
                while (run.Listed < limit)
                {
                    var page = await client.ListConversationsAsync(agentId, null, null, null, cursor, Math.Min(PageSize, limit - run.Listed), cancellationToken);
                    run.Pages++;
                    var listed = page.Conversations.Take(limit - run.Listed).ToList();
                    run.Listed += listed.Count;
                    await StorePageAsync(workspaceId, listed, run, cancellationToken);
                    await logs.SaveAsync(log, SyncLogs.InProgress);
                    if (!page.HasMore || string.IsNullOrEmpty(page.NextCursor) || listed.Count == 0)
                    {
                        break;
                    }

                    cursor = page.NextCursor;
                }
            }

            if (log.RecordsFailed > 0)
            {
                log.Error ??= $"{log.RecordsFailed} conversation(s) could not be fetched.";
            }

            await logs.SaveAsync(log, log.RecordsFailed > 0 ? SyncLogs.Failed : SyncLogs.Success);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Conversation sync of workspace {WorkspaceId} failed after {Synced} conversations", workspaceId, log.RecordsSynced);
            log.Error = SyncLogs.Truncate(Describe(ex));
            await logs.SaveAsync(log, SyncLogs.Failed);
        }
        catch (OperationCanceledException)
        {
            log.Error = "The sync was cancelled.";
            await logs.SaveAsync(log, SyncLogs.Failed);
            throw;
        }

        return run;
    }

    /// <summary>Fetches and upserts the listed conversations that are new or changed since they were stored.</summary>
    private async Task StorePageAsync(string workspaceId, List<ConversationSummary> listed, SyncRun run, CancellationToken cancellationToken)
    {
        var ids = listed.Select(c => c.ConversationId).ToList();
        var stored = ids.Count == 0
            ? []
            : (await db.Conversations.Where(c => ids.Contains(c.ConversationId))
                .Select(c => new { c.ConversationId, c.WorkspaceId, c.Status, c.DurationSecs, c.Transcript })
                .ToListAsync(cancellationToken))
            .ToDictionary(c => c.ConversationId);
        var wanted = listed.Where(summary =>
            !stored.TryGetValue(summary.ConversationId, out var row)
            || (row.WorkspaceId == workspaceId
                && (row.Status != ConversationStatuses.FromProvider(summary.Status) || row.DurationSecs != summary.CallDurationSecs || row.Transcript is null)))
            .ToList();
        run.Unchanged += listed.Count - wanted.Count;

        var rows = new ConcurrentBag<Conversation>();
        var failures = 0;
        string? firstError = null;
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = DetailParallelism, CancellationToken = cancellationToken }, async (summary, token) =>
        {
            try
            {
                var detail = await client.GetConversationAsync(summary.ConversationId, token);
                if (detail is { } data && ConversationRecord.FromDetail(data, workspaceId, syncedFromApi: true, clock.GetUtcNow().UtcDateTime) is { } row)
                {
                    row.CallId = ConversationRecord.UserCallId(data);
                    rows.Add(row);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !token.IsCancellationRequested)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstError, $"{summary.ConversationId}: {Describe(ex)}", null);
            }
        });

        // Ordered writes keep two writers of overlapping pages from locking rows in opposite orders.
        var ordered = rows.OrderBy(r => r.ConversationId, StringComparer.Ordinal).ToList();
        var written = await writer.UpsertAsync(ordered, cancellationToken);
        run.Log.RecordsSynced += written;
        run.Log.RecordsFailed += failures;
        run.Log.Error ??= firstError;
    }

    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: { } status } http => $"ElevenLabs answered HTTP {(int)status}: {http.Message}",
        TaskCanceledException => "ElevenLabs did not answer in time.",
        _ => ex.Message,
    };
}

/// <summary>What one sync run did, beyond its log row.</summary>
public sealed class SyncRun(SyncLog log)
{
    public SyncLog Log { get; } = log;
    public int Listed { get; set; }
    public int Unchanged { get; set; }
    public int Pages { get; set; }
}
