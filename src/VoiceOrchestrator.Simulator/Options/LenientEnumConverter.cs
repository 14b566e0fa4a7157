using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Writes enum values in snake case and reads any spelling that differs only in case, '_' or '-',
/// because settings come from people typing JSON, environment variables and the contract's own mixed vocabulary.
/// </summary>
internal sealed class LenientEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));

    private static readonly Dictionary<string, TEnum> ValuesByLooseName =
        Enum.GetValues<TEnum>().ToDictionary(value => Loosen(value.ToString()), value => value, StringComparer.Ordinal);

    public static string NameOf(TEnum value) => Names[value];

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is not null && ValuesByLooseName.TryGetValue(Loosen(text), out var value))
        {
            return value;
        }

        throw new JsonException($"Expected one of: {string.Join(", ", Names.Values)}.");
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Names[value]);

    private static string Loosen(string name) => name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
