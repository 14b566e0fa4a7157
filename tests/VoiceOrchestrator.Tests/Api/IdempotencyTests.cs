using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary><c>Idempotency-Key</c> on the call-creating POSTs: a retried request never creates a second call.</summary>
[Collection(ApiCollections.Idempotency)]
public sealed class IdempotencyTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    private const string Replayed = "Idempotent-Replayed";

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheSamePriorityRequestWithTheSameKeyReplaysTheFirstAnswer(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var body = workspace.PriorityCall("+14155550100", new { name = "Ana" });

        var first = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", body, ("Idempotency-Key", "order-1"));
        var second = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", body, ("Idempotency-Key", "order-1"));

        await first.AssertStatusAsync(HttpStatusCode.Accepted);
        await second.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.False(first.Headers.Contains(Replayed));
        Assert.Equal(["true"], second.Headers.GetValues(Replayed));
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        var firstCall = await first.JsonAsync();
        var secondCall = await second.JsonAsync();
        Assert.Equal(firstCall.Str("id"), secondCall.Str("id"));
        Assert.Equal(firstCall.Str("toNumber"), secondCall.Str("toNumber"));
        Assert.Equal(firstCall.Str("status"), secondCall.Str("status"));
        Assert.Equal(1, await workspace.Client.CallTotalAsync());

        // A different key is a different request.
        var third = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", body, ("Idempotency-Key", "order-2"));
        await third.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.NotEqual(firstCall.Str("id"), (await third.JsonAsync()).Str("id"));
        Assert.Equal(2, await workspace.Client.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheSameKeyWithAnotherRequestIsUnprocessable(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var key = ("Idempotency-Key", "order-1");
        await (await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550100"), key)).AssertStatusAsync(HttpStatusCode.Accepted);

        var otherBody = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550199"), key);
        var otherGate = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550100"), key, ("x-gate-mode", "twilio_amd_bridge"));
        var otherRoute = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" } } }, key);

        await otherBody.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await otherGate.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await otherRoute.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["+14155550100"], await factory.QueryDbAsync(db => db.Calls.Select(c => c.ToNumber).ToListAsync()));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheSameBulkRequestWithTheSameKeyReplaysTheFirstAnswer(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var body = new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" }, new { toNumber = "+14155550101" } } };

        var first = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", body, ("Idempotency-Key", "batch-1"));
        var second = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", body, ("Idempotency-Key", "batch-1"));

        await first.AssertStatusAsync(HttpStatusCode.Accepted);
        await second.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal(["true"], second.Headers.GetValues(Replayed));
        var batch = (await first.JsonAsync()).Str("batchId");
        Assert.Equal(batch, (await second.JsonAsync()).Str("batchId"));
        Assert.Equal(2, (await second.JsonAsync()).Int("accepted"));
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);

        var changed = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", body with { calls = [new { toNumber = "+14155550102" }] }, ("Idempotency-Key", "batch-1"));
        await changed.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TenConcurrentPriorityRequestsWithOneKeyCreateOneCall(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var body = workspace.PriorityCall("+14155550100");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", body, ("Idempotency-Key", "same-key"))));

        foreach (var response in responses)
        {
            await response.AssertStatusAsync(HttpStatusCode.Accepted);
        }

        var ids = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).Str("id")));
        Assert.Single(ids.Distinct());
        Assert.Single(responses, r => !r.Headers.Contains(Replayed));
        var stored = await factory.CountRowsAsync();
        Assert.Equal((1, 1, 1), (stored.Calls, stored.Events, stored.Keys));
        Assert.Equal(ids[0], (await factory.QueryDbAsync(db => db.Calls.SingleAsync())).Id.ToString());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TenConcurrentBulkRequestsWithOneKeyCreateOneBatch(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var body = new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, campaignId = "race", calls = Enumerable.Range(0, 20).Select(i => new { toNumber = $"+141555501{i:00}" }).ToArray() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", body, ("Idempotency-Key", "same-batch"))));

        foreach (var response in responses)
        {
            await response.AssertStatusAsync(HttpStatusCode.Accepted);
        }

        var batches = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).Str("batchId")));
        Assert.Single(batches.Distinct());
        var stored = await factory.CountRowsAsync();
        Assert.Equal((20, 20, 1, 1), (stored.Calls, stored.Events, stored.Keys, stored.Campaigns));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task KeysBelongToOneWorkspace(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var first = await factory.CreateWorkspaceAsync("First");
        using var second = await factory.CreateWorkspaceAsync("Second");

        // Both workspaces registered the same agent and number ids, so the bodies are identical.
        var a = await first.Client.SendAsync(HttpMethod.Post, "/calls/priority", first.PriorityCall("+14155550100"), ("Idempotency-Key", "shared"));
        var b = await second.Client.SendAsync(HttpMethod.Post, "/calls/priority", second.PriorityCall("+14155550100"), ("Idempotency-Key", "shared"));

        await a.AssertStatusAsync(HttpStatusCode.Accepted);
        await b.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.False(b.Headers.Contains(Replayed));
        Assert.NotEqual((await a.JsonAsync()).Str("id"), (await b.JsonAsync()).Str("id"));
        Assert.Equal(second.Id, (await b.JsonAsync()).Str("workspaceId"));
        Assert.Equal(1, await first.Client.CallTotalAsync());
        Assert.Equal(1, await second.Client.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ARefusedRequestDoesNotUseUpItsKey(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var invalid = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("not-a-number"), ("Idempotency-Key", "retry-me"));
        await invalid.AssertValidationProblemAsync("toNumber");
        Assert.Equal(0, (await factory.CountRowsAsync()).Keys);

        var corrected = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550100"), ("Idempotency-Key", "retry-me"));
        await corrected.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.False(corrected.Headers.Contains(Replayed));

        var tooLong = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550101"), ("Idempotency-Key", new string('k', 256)));
        await tooLong.AssertValidationProblemAsync("Idempotency-Key");
        Assert.Equal(1, (await factory.CountRowsAsync()).Calls);
    }
}
