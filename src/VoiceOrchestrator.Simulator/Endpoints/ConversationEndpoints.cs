using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator;

/// <summary><c>GET /v1/convai/conversations</c> (§6) and <c>GET /v1/convai/conversations/{id}</c> (§7).</summary>
internal static class ConversationEndpoints
{
    private const int DefaultPageSize = 30;
    private const int MaxPageSize = 100;

    public static void MapConversationEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        routes.MapGet("/v1/convai/conversations", Task<IResult> (HttpContext context) => ListAsync(context, state));
        routes.MapGet("/v1/convai/conversations/{conversationId}", (HttpContext context, string conversationId) => GetAsync(context, state, conversationId));
    }

    private static async Task<IResult> ListAsync(HttpContext context, SimulatorState state)
    {
        if (await ProviderGate.EnterAsync(context, state.Options) is { } refused)
        {
            return refused;
        }

        var parameters = new QueryParameters(context.Request.Query);
        var pageSize = parameters.Integer("page_size", 1, MaxPageSize) ?? DefaultPageSize;
        var startBefore = parameters.Integer("call_start_before_unix");
        var startAfter = parameters.Integer("call_start_after_unix");
        var callSuccessful = parameters.OneOf("call_successful", "success", "failure", "unknown", "error");
        var includeSummary = parameters.OneOf("summary_mode", "exclude", "include") == "include";
        (long StartedAtMs, long Sequence)? after = null;
        if (parameters.Text("cursor") is { } cursor)
        {
            if (ConversationCursor.TryDecode(cursor, out var key))
            {
                after = key;
            }
            else
            {
                parameters.Add("cursor", "Invalid cursor", "value_error");
            }
        }

        if (parameters.Issues.Count > 0)
        {
            return ElevenLabsErrors.Validation(parameters.Issues);
        }

        if (state.Options.ConversationListErrorAfter is { } depth && after is { } position && state.Epoch.Conversations.CountNewerThan(position) >= depth)
        {
            return ElevenLabsErrors.ServerError(StatusCodes.Status500InternalServerError);
        }

        var page = state.Epoch.Conversations.List(new ConversationQuery(
            (int)pageSize,
            after,
            parameters.Text("agent_id"),
            parameters.Text("user_id"),
            callSuccessful,
            startBefore,
            startAfter));

        var now = DateTimeOffset.UtcNow;
        var summaries = page.Items.Select(item => ConversationModels.Summarize(item.Conversation, item.Progress, now, includeSummary)).ToList();
        var nextCursor = page.HasMore ? ConversationCursor.Encode(page.Items[^1].Conversation.OrderKey) : null;
        return ElevenLabsErrors.Json(StatusCodes.Status200OK, new ConversationPageModel(summaries, nextCursor, page.HasMore));
    }

    private static async Task<IResult> GetAsync(HttpContext context, SimulatorState state, string conversationId)
    {
        if (await ProviderGate.EnterAsync(context, state.Options) is { } refused)
        {
            return refused;
        }

        if (state.Epoch.Conversations.Find(conversationId) is not { } conversation)
        {
            return ElevenLabsErrors.ConversationNotFound(conversationId);
        }

        var detail = ConversationModels.Detail(conversation, conversation.Progress, DateTimeOffset.UtcNow);
        return ElevenLabsErrors.Json(StatusCodes.Status200OK, detail);
    }
}
