using System.Text.Encodings.Web;
using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Serializer settings of the emulated ElevenLabs API: snake_case names (the contract's one camelCase field,
/// <c>callSid</c>, is named explicitly), nulls written, and '+' in phone numbers left unescaped as the real API sends it.
/// </summary>
internal static class ElevenLabsJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNameCaseInsensitive = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
