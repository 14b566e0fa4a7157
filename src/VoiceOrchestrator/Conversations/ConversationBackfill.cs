using System.Collections.Concurrent;
using System.Threading.Channels;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Stores the conversations a listing saw live, after the answer has gone: each is fetched in full
/// and upserted. The queue is bounded and drops what does not fit (a later listing or sync brings
/// it again); a conversation already waiting is not queued twice.
/// </summary>
public sealed class ConversationBackfill(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ConversationBackfill> logger) : BackgroundService
{
    private const int Capacity = 1_000;

    private readonly Channel<(string WorkspaceId, ConversationSummary Summary)> _queue =
        Channel.CreateBounded<(string, ConversationSummary)>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);

    public void Enqueue(string workspaceId, ConversationSummary summary)
    {
        if (_waiting.TryAdd(summary.ConversationId, 0) && !_queue.Writer.TryWrite((workspaceId, summary)))
        {
            _waiting.TryRemove(summary.ConversationId, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (workspaceId, summary) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await StoreAsync(workspaceId, summary, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not store live conversation {ConversationId}", summary.ConversationId);
            }
            finally
            {
                _waiting.TryRemove(summary.ConversationId, out _);
            }
        }
    }

    private async Task StoreAsync(string workspaceId, ConversationSummary summary, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<ElevenLabsClient>();
        var writer = scope.ServiceProvider.GetRequiredService<ConversationWriter>();
        var now = clock.GetUtcNow().UtcDateTime;
        Conversation row;
        try
        {
            var detail = await client.GetConversationAsync(summary.ConversationId, cancellationToken);
            row = detail is { } data && ConversationRecord.FromDetail(data, workspaceId, syncedFromApi: true, now) is { } full
                ? full
                : ConversationRecord.FromSummary(summary, workspaceId, now);
            if (detail is { } named)
            {
                row.CallId = ConversationRecord.UserCallId(named);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The list entry is enough to show it; a later sync fills in the transcript.
            row = ConversationRecord.FromSummary(summary, workspaceId, now);
        }

        await writer.UpsertAsync([row], cancellationToken);
    }
}
