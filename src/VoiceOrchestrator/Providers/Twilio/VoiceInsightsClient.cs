using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Providers.Twilio;

/// <summary>What a Voice Insights call summary says about a call's quality; null figures were not measured.</summary>
public sealed record VoiceInsightsFigures(bool Complete, double? JitterMs, double? PacketLossPercent, double? Mos)
{
    public bool HasFigures => JitterMs is not null || PacketLossPercent is not null || Mos is not null;
}

/// <summary>
/// Reads Twilio Voice Insights call summaries (<c>GET /v1/Voice/{CallSid}/Summary</c>). Jitter (ms,
/// the edge's <c>jitter.avg</c>) and packet loss (%, <c>packets_loss_percentage</c>) are the mean of
/// the inbound and outbound directions of the first edge that has metrics (carrier, SIP, SDK, client).
/// MOS exists only on SDK edges, whose shape the contract does not give, so none is read.
/// </summary>
public sealed class VoiceInsightsClient(HttpClient http, IOptions<OrchestratorOptions> options)
{
    private static readonly string[] Edges = ["carrier_edge", "sip_edge", "sdk_edge", "client_edge"];

    public bool IsConfigured => options.Value.TwilioAccountSid is not null && options.Value.TwilioAuthToken is not null;

    /// <returns>The summary's figures, or null when Twilio has no summary for the call.</returns>
    public async Task<VoiceInsightsFigures?> GetFiguresAsync(string callSid, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{settings.TwilioInsightsBaseUrl.TrimEnd('/')}/v1/Voice/{Uri.EscapeDataString(callSid)}/Summary?ProcessingState=complete");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.TwilioAccountSid}:{settings.TwilioAuthToken}")));
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var root = document.RootElement;
        var complete = root.TryGetProperty("processing_state", out var state) && state.ValueKind == JsonValueKind.String && state.GetString() == "complete";
        foreach (var edge in Edges)
        {
            if (!root.TryGetProperty(edge, out var edgeElement) || edgeElement.ValueKind != JsonValueKind.Object
                || !edgeElement.TryGetProperty("metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var jitter = Mean(metrics, d => d.TryGetProperty("jitter", out var j) && j.ValueKind == JsonValueKind.Object ? Number(j, "avg") : null);
            var loss = Mean(metrics, d => Number(d, "packets_loss_percentage"));
            if (jitter is not null || loss is not null)
            {
                return new VoiceInsightsFigures(complete, jitter, loss, null);
            }
        }

        return new VoiceInsightsFigures(complete, null, null, null);
    }

    private static double? Mean(JsonElement metrics, Func<JsonElement, double?> read)
    {
        var values = new List<double>();
        foreach (var direction in new[] { "inbound", "outbound" })
        {
            if (metrics.TryGetProperty(direction, out var d) && d.ValueKind == JsonValueKind.Object && read(d) is { } value)
            {
                values.Add(value);
            }
        }

        return values.Count > 0 ? Math.Round(values.Average(), 3) : null;
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
