using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary><c>POST /ai-call/v1/calls</c>: the generic provider's call-creating endpoint (point AI_CALL_API_URL at it).</summary>
internal static class GenericProviderEndpoints
{
    public const string CallsPath = "/ai-call/v1/calls";

    public static void MapGenericProviderEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        routes.MapPost(CallsPath, Task<IResult> (HttpContext context) => PlaceCallAsync(context, state));
        routes.MapGet("/_sim/generic/calls", () => Results.Json(state.Generic.Calls, SimulatorOptionsJson.Options));
    }

    private static async Task<IResult> PlaceCallAsync(HttpContext context, SimulatorState state)
    {
        var options = state.Options;
        if (options.ResponseLatencyMs > 0)
        {
            await Task.Delay(options.ResponseLatencyMs, context.RequestAborted);
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || authorization.Length <= 7
            || (options.GenericApiKey is { } key && authorization[7..] != key))
        {
            return Results.Json(new { error = "invalid or missing bearer token" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return Results.Json(new { error = "body must be JSON" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var to = Text(body, "to");
        var scriptId = Text(body, "scriptId");
        var webhookUrl = Text(body, "webhookUrl");
        if (to is null || scriptId is null || webhookUrl is null || !Uri.TryCreate(webhookUrl, UriKind.Absolute, out _))
        {
            return Results.Json(new { error = "to, scriptId and an absolute webhookUrl are required" }, statusCode: StatusCodes.Status400BadRequest);
        }

        if (!state.Generic.TryStart(options.ConcurrencyLimit))
        {
            return Results.Json(new { error = "concurrent call limit reached" }, statusCode: StatusCodes.Status429TooManyRequests);
        }

        var metadata = body.TryGetProperty("metadata", out var meta) ? meta.Clone() : (JsonElement?)null;
        var call = new GenericCallRecord("gcall_" + Guid.NewGuid().ToString("N")[..20], to, scriptId, webhookUrl, metadata, DateTimeOffset.UtcNow);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("GenericProvider");
        state.Generic.Accept(call, options, logger);
        return Results.Json(new { callId = call.CallId }, statusCode: StatusCodes.Status202Accepted);
    }

    private static string? Text(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text ? text : null;
}
