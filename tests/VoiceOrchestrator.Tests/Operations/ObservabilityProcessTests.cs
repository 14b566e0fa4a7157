using System.Net.Http.Json;
using System.Text.Json;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>
/// A real service dialing the emulator: its metrics count the dials, provider answers and webhooks
/// that happened, and its JSON log lines carry the request's correlation id and the call's id.
/// </summary>
[Collection(OperationsCollections.Processes)]
public sealed class ObservabilityProcessTests
{
    [Fact]
    public async Task DialsWebhooksAndLogsAreAttributed()
    {
        // Debug level, so that the HTTP client's lines about each dial are written.
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 50, CallDurationMs = 100 },
            DispatchKit.Settings(("LOG_LEVEL", "debug")));
        var service = rig.Services[0];
        using var client = rig.Client();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "calls/priority")
            {
                Content = JsonContent.Create(new { agentId = DispatchRig.AgentId, agentPhoneNumberId = DispatchRig.PhoneNumberId, toNumber = $"+1555777000{i}" }),
            };
            request.Headers.Add("X-Correlation-Id", $"ops-test-{i}");
            var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            Assert.Equal($"ops-test-{i}", response.Headers.GetValues("X-Correlation-Id").Single());
            ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
        }

        // Checked before the polling below floods the (bounded) output with lines of its own.
        await DispatchKit.WaitUntilAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(i =>
            Lines(service).Any(l => ScopeValue(l, "CorrelationId") == $"ops-test-{i}" && l.GetProperty("Category").GetString()!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)))),
            TimeSpan.FromSeconds(15), () => "no log line of the requests carries their correlation id");

        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        Assert.All(calls, c => Assert.Equal("completed", c.Status));

        // Webhooks may still be arriving for a moment after the last call ended.
        PrometheusText metrics = null!;
        await DispatchKit.WaitUntilAsync(async () =>
        {
            metrics = PrometheusText.Parse(await client.GetStringAsync("metrics"));
            return metrics.Sum("orchestrator_webhooks_total", ("provider", "elevenlabs"), ("result", "applied")) >= 3;
        }, TimeSpan.FromSeconds(20), () => "the applied webhooks were not counted");
        Assert.Equal(3, metrics.Value("orchestrator_dials_total", ("class", "2xx")));
        Assert.Equal(3, metrics.Value("orchestrator_provider_request_duration_seconds_count", ("operation", "outbound_call"), ("class", "2xx")));
        Assert.True(metrics.Value("orchestrator_provider_request_duration_seconds_sum", ("operation", "outbound_call"), ("class", "2xx")) > 0);
        Assert.Equal(3, metrics.Sum("orchestrator_calls", ("state", "completed")));
        Assert.Equal(1, metrics.Find("orchestrator_dispatcher_lease_held").Single().Value);
        Assert.Equal(0, metrics.Sum("orchestrator_retries_total"));

        var lines = Lines(service);
        var dialLines = lines.Where(l => l.GetProperty("Category").GetString()!.StartsWith("System.Net.Http.HttpClient.ElevenLabsClient", StringComparison.Ordinal)
                                         && l.GetProperty("Message").GetString()!.Contains("outbound-call", StringComparison.Ordinal)).ToList();
        Assert.True(dialLines.Count >= 3, $"only {dialLines.Count} log lines about dials");
        Assert.All(dialLines, l => Assert.Contains(ScopeValue(l, "CallId"), ids.Select(id => id.ToString())));
    }

    private static List<JsonElement> Lines(ServiceProcess service) => [.. service.Output.Split('\n').Select(ParseJson).OfType<JsonElement>()];

    private static string? ScopeValue(JsonElement line, string name)
    {
        if (!line.TryGetProperty("Scopes", out var scopes))
        {
            return null;
        }

        foreach (var scope in scopes.EnumerateArray())
        {
            if (scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out var value))
            {
                return value.ToString();
            }
        }

        return null;
    }

    private static JsonElement? ParseJson(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
