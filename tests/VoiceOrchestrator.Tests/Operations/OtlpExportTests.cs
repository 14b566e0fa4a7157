using System.Net;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>With OTEL_EXPORTER_OTLP_ENDPOINT set, the service pushes its metrics to the collector (here a loopback listener).</summary>
[Collection(OperationsCollections.Metrics)]
public sealed class OtlpExportTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Fact]
    public async Task MetricsArePushedOverOtlpHttpWhenAnEndpointIsSet()
    {
        var port = ServiceProcess.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = ReceiveAsync(collector);

        var factory = await StartApiAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        using (var anonymous = factory.CreateClient())
        {
            await (await anonymous.GetAsync("/health")).AssertStatusAsync(HttpStatusCode.OK);
        }

        // Stopping the service flushes the exporter, whatever its interval.
        await factory.DisposeAsync();
        var request = await received.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/metrics", request.Path);
        Assert.Equal("application/x-protobuf", request.ContentType);
        // The payload names the service's meter (protobuf keeps strings as UTF-8).
        Assert.Contains("VoiceOrchestrator", System.Text.Encoding.UTF8.GetString(request.Body));
    }

    private sealed record Received(string Method, string Path, string? ContentType, byte[] Body);

    private static async Task<Received> ReceiveAsync(HttpListener listener)
    {
        var context = await listener.GetContextAsync();
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var received = new Received(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray());
        context.Response.StatusCode = 200;
        context.Response.Close();
        return received;
    }
}
