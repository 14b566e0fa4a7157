using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Pushes the same instruments (and ASP.NET Core's and HttpClient's) over OTLP while
/// OTEL_EXPORTER_OTLP_ENDPOINT is set; flushes once more when the service stops.
/// </summary>
public sealed class OtlpMetricsExport(IOptions<OrchestratorOptions> options, ILogger<OtlpMetricsExport> logger) : IHostedService
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Operations.OtlpEndpoint is not { } endpoint)
        {
            return Task.CompletedTask;
        }

        var httpProtobuf = string.Equals(options.Value.Operations.OtlpProtocol, "http/protobuf", StringComparison.OrdinalIgnoreCase);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(OrchestratorMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = httpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                // With an explicit endpoint the HTTP exporter posts to it as given, so the signal path is added here.
                otlp.Endpoint = httpProtobuf && !endpoint.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal)
                    ? new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/metrics")
                    : endpoint;
            })
            .Build();
        logger.LogInformation("Exporting metrics over OTLP ({Protocol}) to {Endpoint}", httpProtobuf ? "http/protobuf" : "grpc", endpoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5000);
        _provider?.Dispose();
        return Task.CompletedTask;
    }
}
