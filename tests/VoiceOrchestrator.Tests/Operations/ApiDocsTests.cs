using System.Net;
using System.Text.Json;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>
/// The OpenAPI document, walked route by route: it fails on any operation, present or added later,
/// without a summary, a success response with a schema, its errors, or an example.
/// </summary>
[Collection(OperationsCollections.ApiDocs)]
public sealed class ApiDocsTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task EveryOperationHasASummarySchemasErrorsAndExamples()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite);
        using var anonymous = factory.CreateClient();
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).JsonAsync();

        var problems = new List<string>();
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                operations++;
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                if (!op.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                {
                    problems.Add($"{name}: no summary");
                }

                var responses = op.GetProperty("responses").EnumerateObject().ToList();
                if (!responses.Any(r => r.Name.StartsWith('2')))
                {
                    problems.Add($"{name}: no success response");
                }

                foreach (var response in responses.Where(r => r.Name != "204"))
                {
                    if (!response.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
                    {
                        problems.Add($"{name}: response {response.Name} has no content schema");
                        continue;
                    }

                    foreach (var media in content.EnumerateObject())
                    {
                        if (!media.Value.TryGetProperty("schema", out _))
                        {
                            problems.Add($"{name}: response {response.Name} {media.Name} has no schema");
                        }

                        if (media.Name.Contains("json", StringComparison.Ordinal) && !media.Value.TryGetProperty("example", out _))
                        {
                            problems.Add($"{name}: response {response.Name} {media.Name} has no example");
                        }
                    }
                }

                var open = op.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
                var statuses = responses.Select(r => r.Name).ToHashSet();
                if (!open)
                {
                    foreach (var error in new[] { "401", "429" }.Where(e => !statuses.Contains(e)))
                    {
                        problems.Add($"{name}: error {error} is not documented");
                    }

                    if (statuses.Contains("429") && !op.GetProperty("responses").GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _))
                    {
                        problems.Add($"{name}: 429 without Retry-After");
                    }
                }

                if (op.TryGetProperty("requestBody", out var body))
                {
                    if (!statuses.Contains("400"))
                    {
                        problems.Add($"{name}: a body but no 400");
                    }

                    foreach (var media in body.GetProperty("content").EnumerateObject())
                    {
                        if (!media.Value.TryGetProperty("schema", out _) || !media.Value.TryGetProperty("example", out var example) || example.ValueKind == JsonValueKind.Null)
                        {
                            problems.Add($"{name}: request body {media.Name} without schema or example");
                        }
                    }
                }
            }
        }

        Assert.True(operations >= 25, $"only {operations} operations in the document");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", bearer.Str("scheme"));
    }

    [Fact]
    public async Task OpenRoutesDeclareNoSecurityAndExamplesUseThisDomain()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite);
        using var anonymous = factory.CreateClient();
        var paths = (await (await anonymous.GetAsync("/openapi/v1.json")).JsonAsync()).GetProperty("paths");

        Assert.Equal(0, paths.GetProperty("/webhooks/elevenlabs").GetProperty("post").GetProperty("security").GetArrayLength());
        Assert.Equal(0, paths.GetProperty("/metrics").GetProperty("get").GetProperty("security").GetArrayLength());
        var example = paths.GetProperty("/calls/priority").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.StartsWith("+", example.Str("toNumber"));
        Assert.StartsWith("phnum_", example.Str("agentPhoneNumberId"));
    }

    [Fact]
    public async Task SwaggerUiServesTheDocumentAtDocs()
    {
        var factory = await StartApiAsync(DatabaseKind.Sqlite);
        using var anonymous = factory.CreateClient();

        var page = await anonymous.GetAsync("/docs/index.html");
        await page.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var initializer = await anonymous.GetAsync("/docs/index.js");
        await initializer.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Contains("/openapi/v1.json", await initializer.Content.ReadAsStringAsync());
    }
}
