namespace VoiceOrchestrator.Observability;

/// <summary>Creates the Prometheus exporter, and so starts its listener, when the host starts.</summary>
public sealed class MetricsListenerStart(PrometheusExporter exporter) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(exporter);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
