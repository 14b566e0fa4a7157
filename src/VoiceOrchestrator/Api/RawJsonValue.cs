using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Api;

/// <summary>
/// A free-form JSON value of a request kept as its text, for fields that are stored as JSON text
/// (a bulk item's variables and metadata). Binding a <see cref="JsonElement"/> builds a document
/// per value, which for a 100,000-call bulk is most of the cost of reading the request; this keeps
/// only what <see cref="JsonValues"/> checks: the kind, the text as sent, and the names of the
/// properties whose values are objects or arrays.
/// </summary>
[JsonConverter(typeof(RawJsonValueConverter))]
public sealed class RawJsonValue
{
    public RawJsonValue(JsonValueKind kind, string text, IReadOnlyList<string> nestedProperties)
    {
        Kind = kind;
        Text = text;
        NestedProperties = nestedProperties;
    }

    public JsonValueKind Kind { get; }

    /// <summary>The value exactly as it appeared in the request, as <see cref="JsonElement.GetRawText"/> gives it.</summary>
    public string Text { get; }

    /// <summary>For an object: its properties (unescaped names, in order, repeats kept) whose values are objects or arrays.</summary>
    public IReadOnlyList<string> NestedProperties { get; }

    public static RawJsonValue From(JsonElement element)
    {
        List<string>? nested = null;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    (nested ??= []).Add(property.Name);
                }
            }
        }

        return new RawJsonValue(element.ValueKind, element.GetRawText(), nested ?? (IReadOnlyList<string>)[]);
    }
}
