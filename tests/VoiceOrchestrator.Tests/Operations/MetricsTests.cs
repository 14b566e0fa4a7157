using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>GET /metrics: Prometheus text that a scraper accepts, with figures that match the database.</summary>
[Collection(OperationsCollections.Metrics)]
public sealed class MetricsTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    private static readonly string[] Families =
    [
        "orchestrator_calls", "orchestrator_queue_depth", "orchestrator_slots_used", "orchestrator_slots_limit",
        "orchestrator_dials_total", "orchestrator_dials_rate", "orchestrator_provider_request_duration_seconds", "orchestrator_provider_answers_total",
        "orchestrator_webhooks_total", "orchestrator_retries_total", "orchestrator_reconciliations_total",
        "orchestrator_dispatcher_lease_held", "orchestrator_dispatcher_lease_holder",
    ];

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task MetricsParseAsPrometheusTextAndCountTheQueue(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind, new Dictionary<string, string?> { ["ELEVENLABS_CONCURRENCY_LIMIT"] = "17" });
        using var workspace = await factory.CreateWorkspaceAsync();
        for (var i = 0; i < 3; i++)
        {
            (await workspace.Client.PostAsJsonAsync("/calls/priority", workspace.PriorityCall($"+1415555010{i}"))).EnsureSuccessStatusCode();
        }

        (await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            agentId = workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            calls = Enumerable.Range(0, 5).Select(i => new { toNumber = $"+1415555020{i}" }),
        })).EnsureSuccessStatusCode();
        using var anonymous = factory.CreateClient();

        var response = await anonymous.GetAsync("/metrics");

        await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.All(Families, f => Assert.True(metrics.TypeOf.ContainsKey(f) && metrics.HelpOf[f].Length > 0, $"{f} is not declared"));
        Assert.Equal("counter", metrics.TypeOf["orchestrator_dials_total"]);
        Assert.Equal("histogram", metrics.TypeOf["orchestrator_provider_request_duration_seconds"]);
        Assert.Equal("gauge", metrics.TypeOf["orchestrator_calls"]);

        Assert.Equal(8, metrics.Value("orchestrator_calls", ("workspace", workspace.Id), ("state", "queued")));
        Assert.Equal(3, metrics.Sum("orchestrator_queue_depth", ("lane", "priority")));
        Assert.Equal(5, metrics.Sum("orchestrator_queue_depth", ("lane", "bulk")));
        Assert.Equal(0, metrics.Value("orchestrator_slots_used"));
        Assert.Equal(17, metrics.Value("orchestrator_slots_limit"));
        // The API tests park the dispatcher lease under their own name: the database names that holder.
        Assert.Equal(1, metrics.Value("orchestrator_dispatcher_lease_holder", ("holder", LeaseHolder)));
        Assert.Single(metrics.Find("orchestrator_dispatcher_lease_held"));
    }

    [Fact]
    public async Task RefusedWebhooksAreCountedByResult()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["ELEVENLABS_WEBHOOK_SECRET"] = "wsec_metrics" });
        using var anonymous = factory.CreateClient();
        var before = PrometheusText.Parse(await anonymous.GetStringAsync("/metrics"));

        for (var i = 0; i < 2; i++)
        {
            var refused = await anonymous.PostAsync("/webhooks/elevenlabs", ApiTestKit.RawJson("""{"type":"post_call_transcription","data":{}}"""));
            await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        var after = PrometheusText.Parse(await anonymous.GetStringAsync("/metrics"));
        Assert.Empty(before.Find("orchestrator_webhooks_total"));
        Assert.Equal(2, after.Value("orchestrator_webhooks_total", ("provider", "elevenlabs"), ("result", "bad_signature")));
    }

    [Fact]
    public async Task WithMetricsTokenSetTheEndpointWantsIt()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["METRICS_TOKEN"] = "scrape-me" });
        using var anonymous = factory.CreateClient();

        await (await anonymous.GetAsync("/metrics")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "scrape-me") } };
        var allowed = await anonymous.SendAsync(request);
        await allowed.AssertStatusAsync(HttpStatusCode.OK);
        PrometheusText.Parse(await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public void TheParserRefusesMalformedExpositions()
    {
        // The checks above are only as good as the parser: it must reject what a scraper rejects.
        Assert.Throws<FormatException>(() => PrometheusText.Parse("orchestrator_x 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na{b=\"c} 1\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na one\n"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na 1"));
        Assert.Throws<FormatException>(() => PrometheusText.Parse(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
        var valid = PrometheusText.Parse("# HELP a Things.\n# TYPE a gauge\na{x=\"q\\\"uote\"} 1.5\n");
        Assert.Equal("q\"uote", valid.Samples.Single()["x"]);
    }
}
