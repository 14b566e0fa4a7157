using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>
/// Whatever a client sends, the answer is a 4xx problem (never a 5xx) and nothing is stored.
/// Each test sends a family of bad requests to one service and checks every answer.
/// </summary>
[Collection(ApiCollections.HostileInput)]
public sealed class HostileInputTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task MalformedJsonAndWrongTypesAreRefusedNamingTheField(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();
        var valid = $"\"agentId\":\"{workspace.AgentId}\",\"agentPhoneNumberId\":\"{workspace.PhoneNumberId}\"";

        var cases = new (string Path, string Body, string? Field)[]
        {
            ("/calls/priority", "{\"toNumber\": \"+14155550100\",", null),
            ("/calls/priority", "{toNumber: '+14155550100'}", null),
            ("/calls/priority", "not json at all", null),
            ("/calls/priority", $"{{{valid},\"toNumber\":\"+14155550100\",\"concurrency\":\"abc\"}}", "concurrency"),
            ("/calls/priority", $"{{{valid},\"toNumber\":123}}", "toNumber"),
            ("/calls/priority", $"{{{valid},\"toNumber\":\"+14155550100\",\"machineDetectionTimeout\":6.5}}", "machineDetectionTimeout"),
            ("/calls/priority", $"{{{valid},\"toNumber\":\"+14155550100\",\"enableMachineDetection\":\"yes\"}}", "enableMachineDetection"),
            ("/calls/priority", $"{{{valid},\"toNumber\":\"+14155550100\",\"concurrency\":99999999999}}", "concurrency"),
            ("/calls/priority", $"{{{valid},\"toNumber\":[\"+14155550100\"]}}", "toNumber"),
            ("/calls/priority", "[]", "body"),
            ("/calls/priority", $"[{{{valid},\"toNumber\":\"+14155550100\"}}]", "body"),
            ("/calls/priority", "\"just a string\"", "body"),
            ("/calls/priority", "42", "body"),
            ("/calls/bulk", $"{{{valid},\"calls\":{{}}}}", "calls"),
            ("/calls/bulk", $"{{{valid},\"calls\":\"+14155550100\"}}", "calls"),
            ("/calls/bulk", $"{{{valid},\"calls\":[{{\"toNumber\":5}}]}}", "calls[0].toNumber"),
            ("/calls/bulk", $"{{{valid},\"calls\":[{{\"toNumber\":\"+14155550100\"}}],\"skipInvalid\":\"sure\"}}", "skipInvalid"),
            ("/calls/bulk", $"{{{valid},\"agents\":{{\"agentId\":\"a\"}},\"calls\":[{{\"toNumber\":\"+14155550100\"}}]}}", "agents"),
            ("/calls/bulk", "[{\"toNumber\":\"+14155550100\"}]", "body"),
            ("/agents", "{\"agentId\":{\"$ne\":null}}", "agentId"),
            ("/phone-numbers", "{\"phoneNumberId\":\"phnum_1\",\"phoneNumber\":14155550100}", "phoneNumber"),
            ("/campaigns", "{\"concurrency\":\"many\"}", "concurrency"),
            ("/admin/workspaces", "{\"name\":[\"a\"]}", "name"),
        };

        using var admin = factory.CreateAdminClient();
        foreach (var (path, body, field) in cases)
        {
            var client = path.StartsWith("/admin", StringComparison.Ordinal) ? admin : workspace.Client;
            var response = await client.PostRawAsync(path, body);
            var context = $"POST {path} {body}";
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{context}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Content.Headers.ContentType?.MediaType == ApiTestKit.ProblemJson, $"{context}: content type {response.Content.Headers.ContentType}");
            if (field is not null)
            {
                var problem = await response.JsonAsync();
                Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"{context}: errors do not name '{field}': {problem}");
            }
        }

        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task EmptyNullAndWronglyTypedBodiesAreClientErrors(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();
        var json = JsonSerializer.Serialize(workspace.PriorityCall("+14155550100"));

        var cases = new (string What, HttpContent? Content, HttpStatusCode[] Expected)[]
        {
            ("no body", null, [HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType]),
            ("empty json body", new StringContent("", Encoding.UTF8, "application/json"), [HttpStatusCode.BadRequest]),
            ("whitespace body", new StringContent("   \n ", Encoding.UTF8, "application/json"), [HttpStatusCode.BadRequest]),
            ("json null", new StringContent("null", Encoding.UTF8, "application/json"), [HttpStatusCode.BadRequest]),
            ("text/plain", new StringContent(json, Encoding.UTF8, "text/plain"), [HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest]),
            ("form", new FormUrlEncodedContent([new("toNumber", "+14155550100")]), [HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest]),
            ("xml", new StringContent("<call><to>+14155550100</to></call>", Encoding.UTF8, "application/xml"), [HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest]),
            ("no content type", NoContentType(json), [HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest]),
            ("binary garbage", Binary([0xFF, 0xFE, 0x00, 0x7B, 0xC3, 0x28]), [HttpStatusCode.BadRequest]),
        };

        foreach (var (what, content, expected) in cases)
        {
            foreach (var path in new[] { "/calls/priority", "/calls/bulk" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content is null ? null : await CopyAsync(content) };
                var response = await workspace.Client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(expected.Contains(response.StatusCode), $"{what} to {path}: got {(int)response.StatusCode} {text}");
                Assert.True(response.Content.Headers.ContentType?.MediaType == ApiTestKit.ProblemJson, $"{what} to {path}: content type {response.Content.Headers.ContentType}, body {text}");
            }
        }

        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task OversizedBodiesAreRefusedBeforeTheyAreRead(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();

        // Just over 1 MiB of otherwise valid JSON.
        var padding = new string('x', 1024 * 1024);
        var big = JsonSerializer.Serialize(ApiTestKit.Merge(workspace.PriorityCall("+14155550100"), new { padding }));
        var tooBig = await workspace.Client.PostRawAsync("/calls/priority", big);
        var problem = await tooBig.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1024 KiB", problem.Str("detail"), StringComparison.Ordinal);
        await (await workspace.Client.PostRawAsync("/agents", $"{{\"agentId\":\"agent_big\",\"name\":\"{padding}\"}}")).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await factory.CountRowsAsync());

        // The bulk route takes far more: 2 MiB passes the size check.
        var bulk = JsonSerializer.Serialize(new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, padding = padding + padding, calls = new[] { new { toNumber = "+14155550100" } } });
        var bigBulk = await workspace.Client.PostRawAsync("/calls/bulk", bulk);
        await bigBulk.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, (await bigBulk.JsonAsync()).Int("accepted"));

        // ...but not more than 64 MiB.
        var huge = new ByteArrayContent(new byte[(64 * 1024 * 1024) + 1]);
        huge.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var tooHuge = await workspace.Client.PostAsync("/calls/bulk", huge);
        await tooHuge.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before.Calls + 1, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task UnknownFieldsAreIgnored(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var priority = await workspace.Client.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(workspace.PriorityCall("+14155550100"), new
        {
            callbackUrl = "https://example.com/hook",
            retry = new { times = 3 },
            status = "completed",
            id = Guid.Empty,
            attempts = 99,
        }));
        await priority.AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await priority.JsonAsync();
        Assert.Equal("queued", call.Str("status"));
        Assert.NotEqual(Guid.Empty, Guid.Parse(call.Str("id")));
        Assert.Equal(0, call.Int("attempts"));

        var bulk = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            legacyQueue = "bull",
            calls = new[] { new { toNumber = "+14155550101", priority = "high", name = "x" } },
        });
        await bulk.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task VeryLongAndStrangeStringsAreRefusedOrStoredButNeverCrash(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();
        var longText = new string('9', 500_000);
        var c = workspace.Client;

        var longNumber = await c.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+1" + longText));
        await longNumber.AssertValidationProblemAsync("toNumber");
        Assert.True((await longNumber.Content.ReadAsStringAsync()).Length < 4096, "the error must not echo the whole value back");
        await (await c.PostAsJsonAsync("/calls/priority", new { agentId = longText, agentPhoneNumberId = workspace.PhoneNumberId, toNumber = "+14155550100" }))
            .AssertValidationProblemAsync("agentId");
        await (await c.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+14155550100", new { blob = new string('v', 20_000) })))
            .AssertValidationProblemAsync("variables");
        await (await c.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(workspace.PriorityCall("+14155550100"), new { campaignId = new string('c', 65) })))
            .AssertValidationProblemAsync("campaignId");
        await (await c.PostAsJsonAsync("/agents", new { agentId = new string('a', 129) })).AssertValidationProblemAsync("agentId");
        await (await c.PostAsJsonAsync("/agents", new { agentId = "agent_x", name = new string('n', 201) })).AssertValidationProblemAsync("name");
        await (await c.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_" + longText, phoneNumber = "+14155550100" })).AssertValidationProblemAsync("phoneNumberId");
        await (await c.PostAsJsonAsync("/campaigns", new { id = "x", name = new string('n', 201) })).AssertValidationProblemAsync("name");
        await (await c.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+1415555\u0661\u0662\u0663\u0664"))).AssertValidationProblemAsync("toNumber");
        await (await c.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+14155550100\n"))).AssertValidationProblemAsync("toNumber");
        await (await c.PostRawAsync("/calls/priority", DeeplyNested(10_000))).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await c.PostRawAsync("/calls/priority", DeepVariables(workspace, 200))).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await factory.CountRowsAsync());

        // Strange but legal text is stored and read back exactly, as data rather than SQL.
        var strange = "Robert'); DROP TABLE calls;-- \u00e9\u4e2d\U0001F600 \"quoted\" \\ \u202e";
        var queued = await workspace.QueueCallAsync("+14155550100", new { variables = new { note = strange }, metadata = new { note = strange } });
        var read = await (await c.GetAsync($"/calls/{queued.Str("id")}")).JsonAsync();
        Assert.Equal(strange, read.GetProperty("variables").Str("note"));
        Assert.Equal(strange, read.GetProperty("metadata").Str("note"));
        Assert.Equal(0, await c.CallTotalAsync($"?campaignId={Uri.EscapeDataString("x' OR '1'='1")}"));
        Assert.Equal(1, await c.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task NulCharactersInTextFieldsAreRefusedNotACrash(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        using var admin = factory.CreateAdminClient();
        var c = workspace.Client;
        const string nul = "a\u0000b";

        var responses = new List<(string What, HttpResponseMessage Response)>
        {
            ("workspace name", await admin.PostAsJsonAsync("/admin/workspaces", new { name = nul })),
            ("agent id", await c.PostAsJsonAsync("/agents", new { agentId = nul })),
            ("agent name", await c.PostAsJsonAsync("/agents", new { agentId = "agent_nul", name = nul })),
            ("phone number label", await c.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_nul", phoneNumber = "+14155550100", label = nul })),
            ("campaign name", await c.PostAsJsonAsync("/campaigns", new { id = "cmp_nul", name = nul })),
            ("call list filter", await c.GetAsync("/calls?agentId=a%00b")),
        };

        var failures = new List<string>();
        foreach (var (what, response) in responses)
        {
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{what} with a NUL character: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task HostileQueryStringsAreClientErrors(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.QueueCallAsync("+14155550100");

        foreach (var query in new[]
        {
            "page=abc", "limit=ten", "page=99999999999", "limit=-1", "page=-2147483648", "batchId=not-a-guid",
            "status=queued'%20OR%20'1'%3D'1", "from=%00", "to=9999-99-99", "page=1&page=2",
        })
        {
            var response = await workspace.Client.GetAsync("/calls?" + query);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"?{query}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Content.Headers.ContentType?.MediaType == ApiTestKit.ProblemJson, $"?{query}: content type {response.Content.Headers.ContentType}");
        }

        // A huge page number is an empty page, not an overflow.
        var far = await workspace.Client.GetAsync("/calls?page=2147483647&limit=500");
        Assert.True((int)far.StatusCode < 500, $"far page: {(int)far.StatusCode} {await far.Content.ReadAsStringAsync()}");
    }

    private static string DeeplyNested(int depth) =>
        "{\"toNumber\":\"+14155550100\",\"metadata\":" + new string('[', depth) + new string(']', depth) + "}";

    private static string DeepVariables(TestWorkspace workspace, int depth) =>
        $"{{\"agentId\":\"{workspace.AgentId}\",\"agentPhoneNumberId\":\"{workspace.PhoneNumberId}\",\"toNumber\":\"+14155550100\",\"variables\":"
        + string.Concat(Enumerable.Repeat("{\"n\":", depth)) + "1" + new string('}', depth) + "}";

    private static ByteArrayContent NoContentType(string json) => new(Encoding.UTF8.GetBytes(json));

    private static ByteArrayContent Binary(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task<HttpContent> CopyAsync(HttpContent content)
    {
        var copy = new ByteArrayContent(await content.ReadAsByteArrayAsync());
        foreach (var header in content.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }
}
