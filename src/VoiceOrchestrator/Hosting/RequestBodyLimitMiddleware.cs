using Microsoft.AspNetCore.Http.Features;

namespace VoiceOrchestrator.Hosting;

/// <summary>Route metadata: this route accepts bodies up to this many bytes.</summary>
public sealed class BodyLimitAttribute(long bytes) : Attribute
{
    public long Bytes { get; } = bytes;
}

/// <summary>
/// Refuses a declared body larger than the route allows with 413 problem+json before anything reads
/// it, and sets the server's own limit for bodies sent without a length.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimitAttribute>()?.Bytes ?? OrchestratorApp.DefaultBodyLimitBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (context.Request.ContentLength > limit)
        {
            await TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Request body too large",
                detail: $"This route accepts at most {limit / 1024} KiB.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
