using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Workspace-wide views: <c>GET /v1/convai/batch-calling/workspace</c> (§5) and <c>GET /v1/convai/analytics/live-count</c> (§7).
/// </summary>
internal static class WorkspaceEndpoints
{
    private const int DefaultBatchLimit = 100;

    public static void MapWorkspaceEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        routes.MapGet("/v1/convai/batch-calling/workspace", Task<IResult> (HttpContext context) => ListBatchCallsAsync(context, state));
        routes.MapGet("/v1/convai/analytics/live-count", Task<IResult> (HttpContext context) => LiveCountAsync(context, state));
    }

    private static async Task<IResult> ListBatchCallsAsync(HttpContext context, SimulatorState state)
    {
        if (await ProviderGate.EnterAsync(context, state.Options) is { } refused)
        {
            return refused;
        }

        var parameters = new QueryParameters(context.Request.Query);
        var limit = (int)(parameters.Integer("limit", 1, int.MaxValue) ?? DefaultBatchLimit);
        if (parameters.Issues.Count > 0)
        {
            return ElevenLabsErrors.Validation(parameters.Issues);
        }

        var agentId = parameters.Text("agent_id");
        IEnumerable<BatchCallRecord> matching = state.BatchCalls.Where(batchCall => agentId is null || batchCall.AgentId == agentId);
        if (parameters.Text("last_doc") is { } lastDoc)
        {
            matching = matching.SkipWhile(batchCall => batchCall.Id != lastDoc).Skip(1);
        }

        var page = matching.Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore)
        {
            page.RemoveAt(limit);
        }

        return ElevenLabsErrors.Json(StatusCodes.Status200OK, new BatchCallPageModel(page, hasMore ? page[^1].Id : null, hasMore));
    }

    private static async Task<IResult> LiveCountAsync(HttpContext context, SimulatorState state)
    {
        var options = state.Options;
        if (await ProviderGate.EnterAsync(context, options) is { } refused)
        {
            return refused;
        }

        var epoch = state.Epoch;
        var agentId = context.Request.Query["agent_id"].ToString();
        // Calls placed elsewhere belong to no agent the emulator knows, so only the workspace-wide count includes them.
        var count = agentId.Length == 0
            ? epoch.ActiveCalls + options.ExternalActiveCalls
            : epoch.ActiveConversations.Values.Count(conversation => conversation.AgentId == agentId);
        return ElevenLabsErrors.Json(StatusCodes.Status200OK, new LiveCountModel(count));
    }
}
