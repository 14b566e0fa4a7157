using System.Text.Json;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Counts webhooks by result, read from what the webhook route answered: a refused signature,
/// a malformed body, or the handler's own result (applied, ignored, unknown_call).
/// Put it on a webhook route with <c>.AddEndpointFilter(new WebhookMetricsFilter("provider"))</c>.
/// </summary>
public sealed class WebhookMetricsFilter(string provider) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            Record(context.HttpContext, "error");
            throw;
        }

        Record(context.HttpContext, ResultOf(result));
        return result;
    }

    private void Record(HttpContext http, string result) =>
        http.RequestServices.GetRequiredService<OrchestratorMetrics>().WebhookReceived(provider, result);

    private static string ResultOf(object? result)
    {
        var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        switch (status)
        {
            case StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden:
                return "bad_signature";
            case >= 400 and < 500:
                return "bad_request";
            case >= 500:
                return "error";
        }

        // The answer names what became of the event, e.g. {"received": true, "result": "applied"}.
        if (result is IValueHttpResult { Value: { } value })
        {
            var json = JsonSerializer.SerializeToElement(value, JsonSerializerOptions.Web);
            if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("result", out var named) && named.ValueKind == JsonValueKind.String)
            {
                return JsonNamingPolicy.SnakeCaseLower.ConvertName(named.GetString()!);
            }
        }

        return "accepted";
    }
}
