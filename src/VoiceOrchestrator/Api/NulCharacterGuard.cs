using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Refuses U+0000 in JSON strings: PostgreSQL text cannot hold it, and no field of this API needs
/// it. Raised as a JsonException, so the answer is a 400 naming the field.
/// </summary>
public sealed class NulRejectingStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            throw new JsonException("Text may not contain the NUL character (U+0000).");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>The same rule for the path and query string, before any route reads them.</summary>
public sealed class NulCharacterGuardMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Value?.Contains('\0', StringComparison.Ordinal) == true
            || context.Request.Query.Any(pair => pair.Key.Contains('\0', StringComparison.Ordinal)
                                                 || pair.Value.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true)))
        {
            await Problems.Field("query", "The path and query string may not contain the NUL character (%00).").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
