using System.Diagnostics;

namespace VoiceOrchestrator.Observability;

/// <summary>Times every request to the provider and counts its answer by class; dials are the outbound-call POSTs.</summary>
public sealed class ProviderRequestMetricsHandler(OrchestratorMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = ProviderOperations.Of(request.Method, request.RequestUri?.AbsolutePath ?? "");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            metrics.ProviderAnswered(operation, ProviderOperations.ClassOf((int)response.StatusCode), Stopwatch.GetElapsedTime(started).TotalSeconds);
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            metrics.ProviderAnswered(operation, ex is HttpRequestException ? "unreachable" : "timeout", Stopwatch.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }
}
