using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Dispatch;

/// <summary>How the remote figure stands: polled and fresh, kept after failed polls, or given up for local counting.</summary>
public enum RemoteCountMode
{
    Disabled,
    Remote,
    Stale,
    LocalFallback,
}

/// <summary>The poller's state as <c>GET /stats</c> and the logs report it.</summary>
public sealed record RemotePollStatus(
    RemoteCountMode Mode,
    string? Url,
    string Strategy,
    IReadOnlyList<string> Statuses,
    int Count,
    int? LastGoodCount,
    DateTime? LastPollAt,
    bool? LastPollOk,
    string? LastError,
    DateTime? LastSuccessAt,
    int Batches,
    int Pages,
    TimeSpan StaleAfter);

/// <summary>
/// The Slot Scheduler's remote active count (design §5): calls placed outside this service, read from
/// the ElevenLabs batch-calling list every POLLING_INTERVAL_MS, all pages. They count against the
/// global limit. A failed poll keeps the last good figure for <see cref="StaleAfter"/> (three polling
/// intervals, at least a second), then the count falls back to local counting (0 remote calls) until a
/// poll succeeds again; both changes are logged. The figure is judged when read, so a poll that hangs
/// cannot keep an old figure alive.
/// </summary>
public sealed class RemoteActiveCallsPoller(
    IHttpClientFactory httpFactory,
    ProviderEndpoints endpoints,
    IOptions<OrchestratorOptions> options,
    TimeProvider clock,
    ILogger<RemoteActiveCallsPoller> logger) : BackgroundService, IRemoteActiveCalls
{
    public const string HttpClientName = "elevenlabs-active-calls";
    public const string BatchCallingPath = "/v1/convai/batch-calling/workspace";

    /// <summary>Pages read per poll at most, so that a provider that always says has_more cannot hold a poll forever.</summary>
    public const int MaxPages = 100;

    private readonly Lock _gate = new();
    private Poll? _lastGood;
    private DateTime? _lastPollAt;
    private bool? _lastPollOk;
    private string? _lastError;
    private RemoteCountMode _loggedMode = RemoteCountMode.LocalFallback;

    public bool Enabled => options.Value.ElevenLabsActiveCallsUrl is not null;

    public TimeSpan StaleAfter => TimeSpan.FromMilliseconds(Math.Max(3L * options.Value.PollingIntervalMs, 1000));

    /// <summary>Read by every dispatch cycle: the figure in force, without building the full status.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return ModeAt(clock.GetUtcNow().UtcDateTime) is RemoteCountMode.Remote or RemoteCountMode.Stale ? _lastGood!.Count : 0;
            }
        }
    }

    public RemotePollStatus Status
    {
        get
        {
            var settings = options.Value;
            lock (_gate)
            {
                var mode = ModeAt(clock.GetUtcNow().UtcDateTime);
                return new RemotePollStatus(
                    mode,
                    settings.ElevenLabsActiveCallsUrl is null ? null : ResolveUrl().ToString(),
                    settings.ElevenLabsActiveCountStrategy.ToString().ToLowerInvariant(),
                    settings.ElevenLabsActiveStatuses,
                    mode is RemoteCountMode.Remote or RemoteCountMode.Stale ? _lastGood!.Count : 0,
                    _lastGood?.Count,
                    _lastPollAt,
                    _lastPollOk,
                    _lastError,
                    _lastGood?.At,
                    _lastGood?.Batches ?? 0,
                    _lastGood?.Pages ?? 0,
                    StaleAfter);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromMilliseconds(options.Value.PollingIntervalMs);
        logger.LogInformation("Remote active calls: polling {Url} every {Interval}", ResolveUrl(), interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollOnceAsync(stoppingToken);
            LogModeChange();
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One poll over all pages; the figure is replaced only when every page was read.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var statuses = settings.ElevenLabsActiveStatuses.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var baseUrl = ResolveUrl();
        try
        {
            var http = httpFactory.CreateClient(HttpClientName);
            var count = 0;
            var batches = 0;
            string? cursor = null;
            var pages = 0;
            while (true)
            {
                if (++pages > MaxPages)
                {
                    throw new InvalidOperationException($"more than {MaxPages} pages of batch calls; the figure would be incomplete");
                }

                var page = await http.GetFromJsonAsyncChecked(PageUrl(baseUrl, cursor), cancellationToken);
                foreach (var batch in page.BatchCalls ?? [])
                {
                    if (batch.Status is null || !statuses.Contains(batch.Status))
                    {
                        continue;
                    }

                    batches++;
                    count += settings.ElevenLabsActiveCountStrategy == ActiveCountStrategy.Batches
                        ? 1
                        // total_calls_dispatched is cumulative: the calls of a batch still on are those dispatched and not finished.
                        : Math.Max(0, batch.TotalCallsDispatched - (batch.TotalCallsFinished ?? 0));
                }

                if (page.HasMore != true || string.IsNullOrEmpty(page.NextDoc) || page.NextDoc == cursor)
                {
                    break;
                }

                cursor = page.NextDoc;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            lock (_gate)
            {
                _lastGood = new Poll(count, batches, pages, now);
                _lastPollAt = now;
                _lastPollOk = true;
                _lastError = null;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or NotSupportedException
                                       || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                _lastPollAt = clock.GetUtcNow().UtcDateTime;
                _lastPollOk = false;
                _lastError = ex.Message;
            }

            logger.LogWarning("Remote active calls: poll of {Url} failed: {Error}", baseUrl, ex.Message);
        }
    }

    private void LogModeChange()
    {
        lock (_gate)
        {
            var mode = ModeAt(clock.GetUtcNow().UtcDateTime);
            if (mode == _loggedMode)
            {
                return;
            }

            _loggedMode = mode;
        }

        var status = Status;
        switch (status.Mode)
        {
            case RemoteCountMode.LocalFallback:
                logger.LogWarning(
                    "Remote active calls: no good poll for {StaleAfter}; falling back to local counting (remote calls are not counted) until a poll succeeds. Last error: {Error}",
                    StaleAfter, status.LastError);
                break;
            case RemoteCountMode.Stale:
                logger.LogWarning("Remote active calls: keeping the last good figure {Count} from {At:O} while polls fail", status.LastGoodCount, status.LastSuccessAt);
                break;
            case RemoteCountMode.Remote:
                logger.LogInformation("Remote active calls: polling works; {Count} remote calls count against the limit", status.Count);
                break;
        }
    }

    private RemoteCountMode ModeAt(DateTime now)
    {
        if (!Enabled)
        {
            return RemoteCountMode.Disabled;
        }

        if (_lastGood is not { } good || now - good.At > StaleAfter)
        {
            return RemoteCountMode.LocalFallback;
        }

        return _lastPollOk == true ? RemoteCountMode.Remote : RemoteCountMode.Stale;
    }

    /// <summary>An absolute URL as configured, or a path on the ElevenLabs base URL (the emulator's in demo mode).</summary>
    private Uri ResolveUrl()
    {
        var configured = options.Value.ElevenLabsActiveCallsUrl ?? BatchCallingPath;
        return configured.StartsWith('/') ? new Uri(endpoints.ElevenLabs, configured.TrimStart('/')) : new Uri(configured);
    }

    private static Uri PageUrl(Uri baseUrl, string? cursor)
    {
        var builder = new UriBuilder(baseUrl);
        var query = builder.Query.TrimStart('?');
        var parts = query.Length == 0 ? new List<string>() : [.. query.Split('&')];
        if (!parts.Any(p => p.StartsWith("limit=", StringComparison.Ordinal)))
        {
            parts.Add("limit=100");
        }

        if (cursor is not null)
        {
            parts.Add("last_doc=" + Uri.EscapeDataString(cursor));
        }

        builder.Query = string.Join('&', parts);
        return builder.Uri;
    }

    private sealed record Poll(int Count, int Batches, int Pages, DateTime At);
}

/// <summary><c>WorkspaceBatchCallsResponse</c> (contract §5), only the fields the count needs.</summary>
public sealed record BatchCallsPage(
    [property: JsonPropertyName("batch_calls")] List<BatchCallSummary>? BatchCalls,
    [property: JsonPropertyName("next_doc")] string? NextDoc,
    [property: JsonPropertyName("has_more")] bool? HasMore);

public sealed record BatchCallSummary(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("total_calls_dispatched")] int TotalCallsDispatched,
    [property: JsonPropertyName("total_calls_finished")] int? TotalCallsFinished);

internal static class BatchCallsHttp
{
    /// <summary>GET and parse one page; a non-2xx answer is a failed poll, named by its status.</summary>
    public static async Task<BatchCallsPage> GetFromJsonAsyncChecked(this HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var (code, message) = ElevenLabsClient.ReadDetail(text);
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}{(code is null ? "" : " " + code)}{(message is null ? "" : ": " + message)}");
        }

        var page = await JsonSerializer.DeserializeAsync<BatchCallsPage>(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return page ?? throw new JsonException("empty batch-calling page");
    }
}
