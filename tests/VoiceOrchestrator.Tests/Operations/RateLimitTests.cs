using System.Net;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>Per-workspace request limits: 429 with Retry-After over the limit, each workspace on its own, webhooks never limited.</summary>
[Collection(OperationsCollections.RateLimits)]
public sealed class RateLimitTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    private static readonly Dictionary<string, string?> Tight = new()
    {
        ["RATE_LIMIT_PER_SECOND"] = "0.2",
        ["RATE_LIMIT_BURST"] = "3",
        ["ELEVENLABS_WEBHOOK_SECRET"] = "wsec_limits",
    };

    [Fact]
    public async Task AWorkspaceOverItsLimitGets429WithRetryAfterAndOthersDoNot()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite, Tight);
        // Creating a workspace spends two of its requests (number, agent); the admin token has its own bucket.
        using var busy = await factory.CreateWorkspaceAsync("Busy");
        using var quiet = await factory.CreateWorkspaceAsync("Quiet", "agent_quiet", "phnum_quiet");

        await (await busy.Client.GetAsync("/calls")).AssertStatusAsync(HttpStatusCode.OK);
        var refused = await busy.Client.GetAsync("/calls");

        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("RATE_LIMIT_PER_SECOND", problem.Str("detail"));
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 10);
        await (await quiet.Client.GetAsync("/calls")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WebhooksHealthAndMetricsAreNeverLimited()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite, Tight);
        using var anonymous = factory.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            // Unsigned, so 401: what matters is that the limiter never answers in the handler's place.
            var webhook = await anonymous.PostAsync("/webhooks/elevenlabs", ApiTestKit.RawJson("""{"type":"x","data":{}}"""));
            Assert.Equal(HttpStatusCode.Unauthorized, webhook.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        }
    }

    [Fact]
    public async Task TheDefaultLimitLeavesBulkIntakeAlone()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite);
        using var workspace = await factory.CreateWorkspaceAsync();

        // 300 requests at once, well beyond any client's normal pace, stay under the default burst.
        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => workspace.Client.GetAsync("/calls?limit=1")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
    }
}
