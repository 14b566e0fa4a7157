using System.Text.Json;

namespace VoiceOrchestrator.Api;

/// <summary>Checks and stores the free-form JSON objects clients send (variables, metadata).</summary>
public static class JsonValues
{
    public const int MaxObjectBytes = 16 * 1024;

    /// <summary>A JSON object as text, or null when absent; an error message when it is not an object.</summary>
    public static string? ObjectText(JsonElement? element, string field, ValidationErrors errors, bool primitivesOnly = false)
    {
        if (element is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, "Must be a JSON object.");
            return null;
        }

        if (primitivesOnly)
        {
            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    errors.Add($"{field}.{property.Name}", "Dynamic variables must be strings, numbers, booleans or null.");
                }
            }
        }

        var text = value.GetRawText();
        if (text.Length > MaxObjectBytes)
        {
            errors.Add(field, $"Must be at most {MaxObjectBytes} bytes of JSON.");
            return null;
        }

        return text;
    }

    /// <summary>The same rules for a value bound as its text (<see cref="RawJsonValue"/>).</summary>
    public static string? ObjectText(RawJsonValue? value, string field, ValidationErrors errors, bool primitivesOnly = false)
    {
        if (value is null || value.Kind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.Kind != JsonValueKind.Object)
        {
            errors.Add(field, "Must be a JSON object.");
            return null;
        }

        if (primitivesOnly)
        {
            foreach (var name in value.NestedProperties)
            {
                errors.Add($"{field}.{name}", "Dynamic variables must be strings, numbers, booleans or null.");
            }
        }

        if (value.Text.Length > MaxObjectBytes)
        {
            errors.Add(field, $"Must be at most {MaxObjectBytes} bytes of JSON.");
            return null;
        }

        return value.Text;
    }

    /// <summary>Stored JSON text back as a value for a response.</summary>
    public static JsonElement? Parse(string? text) =>
        text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
}
