using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>HTTP/1.1 over loopback to one service process, as a workspace (after <see cref="SetUpWorkspaceAsync"/>).</summary>
internal sealed class ServiceClient : IDisposable
{
    private readonly HttpClient _http;
    private string? _workspaceKey;

    public ServiceClient(Uri baseAddress, TimeSpan requestTimeout)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = baseAddress,
            Timeout = requestTimeout,
        };
    }

    /// <summary>A workspace with one phone number and one agent linked to it; requests from here on use its key.</summary>
    public async Task SetUpWorkspaceAsync(string phoneNumberId, string agentId, CancellationToken cancellationToken)
    {
        var workspace = await SendJsonAsync(HttpMethod.Post, "admin/workspaces", new { name = "bench" }, ServiceProcess.AdminToken, HttpStatusCode.Created, cancellationToken);
        _workspaceKey = workspace["apiKey"]?.GetValue<string>() ?? throw new InvalidOperationException("POST /admin/workspaces answered without apiKey.");
        await SendJsonAsync(HttpMethod.Post, "phone-numbers", new { phoneNumberId, phoneNumber = "+15550001111", provider = "twilio" }, _workspaceKey, HttpStatusCode.Created, cancellationToken);
        await SendJsonAsync(HttpMethod.Post, "agents", new { agentId, phoneNumberIds = new[] { phoneNumberId } }, _workspaceKey, HttpStatusCode.Created, cancellationToken);
    }

    /// <summary>Posts a pre-serialized body and times the whole exchange: first byte sent to the last byte of the answer read.</summary>
    public async Task<TimedResponse> PostTimedAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = Bearer(_workspaceKey);
        var clock = Stopwatch.StartNew();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        clock.Stop();
        return new TimedResponse(response.StatusCode, text, clock.Elapsed);
    }

    /// <summary>Times one GET as the workspace, first byte sent to the last byte of a 200 answer read.</summary>
    public async Task<TimeSpan> GetTimedAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = Bearer(_workspaceKey);
        var clock = Stopwatch.StartNew();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        clock.Stop();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET /{path} answered {(int)response.StatusCode}: {Truncate(text)}");
        }

        return clock.Elapsed;
    }

    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken) =>
        await SendJsonAsync(HttpMethod.Get, path, null, _workspaceKey, HttpStatusCode.OK, cancellationToken);

    /// <summary>A POST as the workspace that must answer <paramref name="expected"/>; the answer's JSON.</summary>
    public async Task<JsonNode> PostJsonAsync(string path, object? body, HttpStatusCode expected, CancellationToken cancellationToken) =>
        await SendJsonAsync(HttpMethod.Post, path, body, _workspaceKey, expected, cancellationToken);

    /// <summary>
    /// Creates a campaign and pauses it: its calls are queued but the dispatcher (which runs in every
    /// service process) leaves them alone, so intake figures are not mixed with dialing.
    /// </summary>
    public async Task CreatePausedCampaignAsync(string campaignId, int concurrency, CancellationToken cancellationToken)
    {
        await PostJsonAsync("campaigns", new { id = campaignId, name = campaignId, concurrency }, HttpStatusCode.Created, cancellationToken);
        await PostJsonAsync($"campaigns/{campaignId}/pause", null, HttpStatusCode.OK, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonNode> SendJsonAsync(
        HttpMethod method, string path, object? body, string? token, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        request.Headers.Authorization = Bearer(token);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} /{path} answered {(int)response.StatusCode}, expected {(int)expected}: {Truncate(text)}");
        }

        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"{method} /{path} answered an empty body.");
    }

    private static AuthenticationHeaderValue? Bearer(string? token) => token is null ? null : new AuthenticationHeaderValue("Bearer", token);

    public static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "…";
}

internal sealed record TimedResponse(HttpStatusCode Status, string Body, TimeSpan Elapsed)
{
    public JsonNode Json() => JsonNode.Parse(Body) ?? throw new JsonException("empty body");
}
