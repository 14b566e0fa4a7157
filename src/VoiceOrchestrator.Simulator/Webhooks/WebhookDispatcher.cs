using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Delivers webhooks from a queue with a fixed number of workers, so a slow receiver bounds the parallelism
/// instead of the call lifecycle ever waiting on it. Success means HTTP 200, as the contract (§8.1) defines it.
/// </summary>
internal sealed partial class WebhookDispatcher : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly Channel<WebhookDelivery> _queue = Channel.CreateUnbounded<WebhookDelivery>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
    });

    private readonly int _parallelism;
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    public WebhookDispatcher(int parallelism, ILogger logger)
    {
        _parallelism = parallelism;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = parallelism,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public void Enqueue(WebhookDelivery delivery)
    {
        if (!_queue.Writer.TryWrite(delivery))
        {
            delivery.Counters.WebhookDropped();
        }
    }

    public Task RunAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _parallelism).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)));

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _http.Dispose();
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                delivery.Counters.WebhookDelivered(await DeliverAsync(delivery, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: undelivered webhooks are dropped, as a stopped platform would drop them.
        }
    }

    private async Task<bool> DeliverAsync(WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(delivery.Envelope, ElevenLabsJson.Options);
        for (var attempt = 0; attempt <= delivery.ExtraAttempts; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * (1 << Math.Min(attempt - 1, 6))), stoppingToken);
            }

            if (await TrySendAsync(delivery, body, stoppingToken))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> TrySendAsync(WebhookDelivery delivery, byte[] body, CancellationToken stoppingToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonContentType;
        if (delivery.Secret is not null)
        {
            request.Headers.TryAddWithoutValidation(
                WebhookSignature.HeaderName,
                WebhookSignature.CreateHeader(delivery.Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body));
        }

        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        attemptTimeout.CancelAfter(delivery.AttemptTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return true;
            }

            LogRejected(delivery.Envelope.Type, delivery.Url, (int)response.StatusCode);
            return false;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !stoppingToken.IsCancellationRequested))
        {
            LogUnreachable(delivery.Envelope.Type, delivery.Url, exception.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {EventType} to {Url} answered {StatusCode}")]
    private partial void LogRejected(string eventType, Uri url, int statusCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {EventType} to {Url} failed: {Reason}")]
    private partial void LogUnreachable(string eventType, Uri url, string reason);
}
