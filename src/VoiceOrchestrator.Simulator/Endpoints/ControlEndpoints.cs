using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The simulator's own API under <c>/_sim</c>, for tests and benchmarks: statistics, settings, reset, batch calls,
/// seeded history and recorded conversations. camelCase JSON, no authentication.
/// </summary>
internal static class ControlEndpoints
{
    private const int MaxSeedCount = 10_000;
    private const int DefaultConversationLimit = 1_000;

    public static void MapControlEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        var control = routes.MapGroup("/_sim");
        control.MapGet("/health", () => Results.Text("ok"));
        control.MapGet("/stats", () => Json(state.GetStats()));
        control.MapPost("/reset", () =>
        {
            state.Reset();
            return Results.NoContent();
        });
        control.MapGet("/config", () => Json(state.Options));
        control.MapPut("/config", Task<IResult> (HttpContext context) => ConfigureAsync(context, state));
        control.MapPut("/batch-calls", Task<IResult> (HttpContext context) => SetBatchCallsAsync(context, state));
        control.MapGet("/conversations", (HttpContext context) => ListConversations(context, state));
        control.MapGet("/conversations/{conversationId}", (string conversationId) =>
            state.FindConversation(conversationId) is { } conversation ? Json(conversation) : Results.NotFound());
        control.MapPost("/conversations/seed", Task<IResult> (HttpContext context) => SeedAsync(context, state));
    }

    private static async Task<IResult> ConfigureAsync(HttpContext context, SimulatorState state)
    {
        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (body is not JsonObject patch)
            {
                return Problem("The body must be a JSON object of settings.");
            }

            return Json(state.Configure(patch));
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException)
        {
            return Problem(exception.Message);
        }
    }

    /// <summary>Accepts the contract's own shape (<c>{"batch_calls":[…]}</c>) or a bare array, in snake_case.</summary>
    private static async Task<IResult> SetBatchCallsAsync(HttpContext context, SimulatorState state)
    {
        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var list = body is JsonObject wrapper ? wrapper["batch_calls"] : body;
            if (list is not JsonArray)
            {
                return Problem("The body must be an array of batch calls or {\"batch_calls\": [...]}.");
            }

            var batchCalls = list.Deserialize<List<BatchCallRecord>>(ElevenLabsJson.Options) ?? [];
            state.SetBatchCalls(batchCalls);
            return Json(new { count = batchCalls.Count });
        }
        catch (JsonException exception)
        {
            return Problem(exception.Message);
        }
    }

    private static IResult ListConversations(HttpContext context, SimulatorState state)
    {
        var limit = int.TryParse(context.Request.Query["limit"], out var requested) && requested > 0 ? requested : DefaultConversationLimit;
        return Json(state.GetConversations().Take(limit).ToList());
    }

    private static async Task<IResult> SeedAsync(HttpContext context, SimulatorState state)
    {
        try
        {
            var request = await JsonSerializer.DeserializeAsync<SeedConversationsRequest>(
                context.Request.Body,
                SimulatorOptionsJson.Options,
                context.RequestAborted);
            if (request is null || request.Count is < 1 or > MaxSeedCount)
            {
                return Problem($"count must be between 1 and {MaxSeedCount}.");
            }

            var ids = state.SeedConversations(
                request.Count,
                string.IsNullOrEmpty(request.AgentId) ? "agent_simulated" : request.AgentId,
                string.IsNullOrEmpty(request.ToNumber) ? "+15550100000" : request.ToNumber);
            return Json(new { conversationIds = ids });
        }
        catch (JsonException exception)
        {
            return Problem(exception.Message);
        }
    }

    private static IResult Json<TValue>(TValue value) => Results.Json(value, SimulatorOptionsJson.Options);

    private static IResult Problem(string message) =>
        Results.Json(new { error = message }, SimulatorOptionsJson.Options, statusCode: StatusCodes.Status400BadRequest);

    private sealed record SeedConversationsRequest(int Count, string? AgentId, string? ToNumber);
}
