using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Reads a <see cref="RawJsonValue"/>. A flat object written without whitespace (what clients'
/// serializers send for dynamic variables) is copied token by token into its text; any other value
/// goes through a <see cref="JsonDocument"/>, so that the text is always exactly what was sent.
/// </summary>
public sealed class RawJsonValueConverter : JsonConverter<RawJsonValue>
{
    /// <summary>Objects longer than this take the document path, which keeps the reused buffer small.</summary>
    private const int FlatObjectLimit = 4 * JsonValues.MaxObjectBytes;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _text;

    public override RawJsonValue? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            // A copy reads ahead; the caller's reader moves only when the copy's reading is kept.
            var ahead = reader;
            var value = TryReadFlatObject(ref ahead);
            if (_text!.Capacity > FlatObjectLimit * 2)
            {
                _text = null;
            }

            if (value is not null)
            {
                reader = ahead;
                return value;
            }
        }

        using var document = JsonDocument.ParseValue(ref reader);
        return RawJsonValue.From(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, RawJsonValue value, JsonSerializerOptions options) => writer.WriteRawValue(value.Text);

    /// <summary>
    /// The object at the reader when its values are strings, numbers, booleans or null and its text
    /// is only its tokens and separators, so that copying the tokens gives the text exactly; null
    /// otherwise. Leaves the reader on the closing brace.
    /// </summary>
    private static RawJsonValue? TryReadFlatObject(ref Utf8JsonReader reader)
    {
        var start = reader.TokenStartIndex;
        var text = _text ??= new ArrayBufferWriter<byte>(1024);
        text.ResetWrittenCount();
        text.Write("{"u8);
        var first = true;
        while (reader.Read() && text.WrittenCount <= FlatObjectLimit)
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                text.Write("}"u8);
                // Equal lengths: the input held nothing between the tokens but the separators written here.
                return reader.BytesConsumed - start == text.WrittenCount && Utf8.IsValid(text.WrittenSpan)
                    ? new RawJsonValue(JsonValueKind.Object, Encoding.UTF8.GetString(text.WrittenSpan), [])
                    : null;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return null;
            }

            if (!first)
            {
                text.Write(","u8);
            }

            first = false;
            Quoted(ref reader, text);
            text.Write(":"u8);
            if (!reader.Read())
            {
                return null;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    Quoted(ref reader, text);
                    break;
                case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                    Raw(ref reader, text);
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private static void Quoted(ref Utf8JsonReader reader, ArrayBufferWriter<byte> text)
    {
        text.Write("\""u8);
        Raw(ref reader, text);
        text.Write("\""u8);
    }

    /// <summary>The token's bytes as they are in the input (strings still escaped, without their quotes).</summary>
    private static void Raw(ref Utf8JsonReader reader, ArrayBufferWriter<byte> text)
    {
        if (reader.HasValueSequence)
        {
            foreach (var segment in reader.ValueSequence)
            {
                text.Write(segment.Span);
            }
        }
        else
        {
            text.Write(reader.ValueSpan);
        }
    }
}
