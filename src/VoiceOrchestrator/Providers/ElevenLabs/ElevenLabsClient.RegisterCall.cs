using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Providers.ElevenLabs;

/// <summary>The result of register-call: the TwiML that connects a Twilio call to the agent, or why there is none.</summary>
public sealed record RegisterCallResult(string? Twiml, string? Error)
{
    public bool Succeeded => Twiml is not null;
}

public sealed partial class ElevenLabsClient
{
    public const string RegisterCallPath = "v1/convai/twilio/register-call";

    /// <summary>
    /// <c>POST /v1/convai/twilio/register-call</c> (contract §4) for a call this service placed through its own
    /// Twilio account: the answer is raw TwiML, passed to Twilio unchanged. Registering places no call, so a
    /// failure here can never ring anyone twice.
    /// </summary>
    public async Task<RegisterCallResult> RegisterCallAsync(
        string agentId, string fromNumber, string toNumber, JsonObject? clientData, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["agent_id"] = agentId,
            ["from_number"] = fromNumber,
            ["to_number"] = toNumber,
            ["direction"] = "outbound",
        };
        if (clientData is not null)
        {
            body["conversation_initiation_client_data"] = clientData.DeepClone();
        }

        try
        {
            using var response = await http.PostAsJsonAsync(RegisterCallPath, body, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var (code, message) = ReadDetail(text);
                logger.LogWarning("ElevenLabs register-call refused: HTTP {Status} {Code} {Message}", (int)response.StatusCode, code, message);
                return new RegisterCallResult(null, $"HTTP {(int)response.StatusCode} {code}: {message}");
            }

            return string.IsNullOrWhiteSpace(text) || !text.Contains("<Response", StringComparison.Ordinal)
                ? new RegisterCallResult(null, "register-call answered without TwiML")
                : new RegisterCallResult(text, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RegisterCallResult(null, ex.Message);
        }
    }
}
