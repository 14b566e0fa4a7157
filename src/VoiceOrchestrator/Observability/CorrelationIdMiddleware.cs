using System.Diagnostics;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Gives every request a correlation id: the caller's <c>X-Correlation-Id</c> when it is a sane
/// token, else a new one. It is returned in the same header and carried by every log line written
/// while the request is handled (as the <c>CorrelationId</c> scope value).
/// </summary>
public sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public const string HeaderName = "X-Correlation-Id";

    public async Task InvokeAsync(HttpContext http)
    {
        var id = http.Request.Headers[HeaderName].ToString();
        if (!IsAcceptable(id))
        {
            id = Activity.Current?.TraceId.ToString() ?? Guid.NewGuid().ToString("N");
        }

        http.TraceIdentifier = id;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers[HeaderName] = id;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new LogScope("CorrelationId", id)))
        {
            await next(http);
        }
    }

    /// <summary>Up to 128 letters, digits and <c>-_.:</c>: enough for UUIDs and trace ids, nothing that could forge a log line.</summary>
    public static bool IsAcceptable(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
