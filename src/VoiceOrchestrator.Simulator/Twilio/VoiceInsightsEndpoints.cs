using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator.Twilio;

/// <summary>
/// Twilio Voice Insights call summaries (<c>GET /v1/Voice/{CallSid}/Summary</c>, contract §9): a PSTN
/// call's <c>carrier_edge</c> metrics with jitter and packet loss drawn from the call sid, so the same
/// call always reports the same figures. A sid ending in <c>0000</c> has a summary without metrics,
/// as Twilio gives for calls it measured nothing on. Any Basic credentials are accepted.
/// </summary>
public static class VoiceInsightsEndpoints
{
    public static void MapVoiceInsightsEndpoints(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/v1/Voice/{callSid}/Summary", (string callSid, HttpContext context) => Summary(callSid, context));

    private static IResult Summary(string callSid, HttpContext context)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal))
        {
            return Results.Json(new { code = 20003, message = "Authenticate", more_info = "https://www.twilio.com/docs/errors/20003", status = 401 }, statusCode: 401);
        }

        var draw = SHA256.HashData(Encoding.UTF8.GetBytes(callSid));
        var withMetrics = !callSid.EndsWith("0000", StringComparison.Ordinal);
        object? Metrics(int offset) => new
        {
            codec_name = "pcmu",
            packets_received = 1500,
            packets_lost = draw[offset] % 40,
            packets_loss_percentage = Math.Round(draw[offset] % 40 / 10.0, 2),
            jitter = new { avg = Math.Round(2 + draw[offset + 1] % 450 / 10.0, 2), max = Math.Round(10 + draw[offset + 2] % 900 / 10.0, 2) },
        };

        return Results.Json(new
        {
            account_sid = "AC00000000000000000000000000000000",
            call_sid = callSid,
            call_type = "carrier",
            call_state = "completed",
            processing_state = "complete",
            duration = 60,
            connect_duration = 55,
            carrier_edge = withMetrics ? new { metrics = new { inbound = Metrics(0), outbound = Metrics(3) } } : null,
            tags = Array.Empty<string>(),
            url = $"https://insights.twilio.com/v1/Voice/{callSid}/Summary",
        });
    }
}
