using System.Net;
using System.Text.Json;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>What operators and tools read: health, readiness and the OpenAPI document.</summary>
[Collection(ApiCollections.Operations)]
public sealed class OperationsTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task HealthAndReadinessAnswerWithoutCredentials(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var anonymous = factory.CreateClient();

        var health = await anonymous.GetAsync("/health");
        await health.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", health.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", (await health.JsonAsync()).Str("status"));

        var ready = await anonymous.GetAsync("/health/ready");
        await ready.AssertStatusAsync(HttpStatusCode.OK);
        var body = await ready.JsonAsync();
        Assert.Equal("ok", body.Str("status"));
        var database = body.GetProperty("checks").GetProperty("database");
        Assert.Equal("healthy", database.Str("status"));
        Assert.Equal(kind == DatabaseKind.Postgres ? "postgresql" : "sqlite", database.Str("description"));
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryRouteAndTheBearerScheme()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite);
        using var anonymous = factory.CreateClient();

        var response = await anonymous.GetAsync("/openapi/v1.json");

        await response.AssertStatusAsync(HttpStatusCode.OK);
        var document = await response.JsonAsync();
        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        var expected = new (string Path, string Method)[]
        {
            ("/admin/workspaces", "post"), ("/admin/workspaces", "get"), ("/admin/workspaces/{id}", "get"),
            ("/admin/workspaces/{id}", "patch"), ("/admin/workspaces/{id}/rotate-key", "post"),
            ("/agents", "post"), ("/agents", "get"), ("/agents/{agentId}", "get"), ("/agents/{agentId}", "delete"),
            ("/phone-numbers", "post"), ("/phone-numbers", "get"), ("/phone-numbers/{phoneNumberId}", "get"), ("/phone-numbers/{phoneNumberId}", "delete"),
            ("/campaigns", "post"), ("/campaigns", "get"), ("/campaigns/{id}", "get"),
            ("/campaigns/{id}/pause", "post"), ("/campaigns/{id}/resume", "post"), ("/campaigns/{id}/cancel", "post"),
            ("/calls/priority", "post"), ("/calls/bulk", "post"), ("/calls", "get"),
            ("/calls/{id}", "get"), ("/calls/{id}", "patch"), ("/calls/{id}/cancel", "post"),
        };
        var missing = expected.Where(e => !paths.TryGetValue(e.Path, out var item) || !item.TryGetProperty(e.Method, out _)).ToList();
        Assert.True(missing.Count == 0, $"missing from the document: {string.Join(", ", missing)}; it lists: {string.Join(", ", paths.Keys)}");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", scheme.Str("type"));
        Assert.Equal("bearer", scheme.Str("scheme"));
        var requirements = document.GetProperty("security").EnumerateArray().ToList();
        Assert.Contains(requirements, r => r.TryGetProperty("Bearer", out _));

        var priority = paths["/calls/priority"].GetProperty("post");
        Assert.True(priority.GetProperty("responses").TryGetProperty("202", out _), priority.GetProperty("responses").ToString());
        Assert.Equal(JsonValueKind.Object, priority.GetProperty("requestBody").ValueKind);
    }
}
