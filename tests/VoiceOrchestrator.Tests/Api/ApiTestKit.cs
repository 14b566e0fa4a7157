using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>Small helpers the API tests share: reading answers, checking problems, looking into the database.</summary>
internal static class ApiTestKit
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>The body as JSON; it may be read more than once.</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status and the RFC 7807 media type, and returns the problem document.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> map names every given field; returns that map.</summary>
    public static async Task<JsonElement> AssertValidationProblemAsync(this HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no 'errors' map in {problem}");
        foreach (var field in fields)
        {
            Assert.True(errors.TryGetProperty(field, out var messages), $"errors does not name '{field}': {errors}");
            Assert.True(messages.GetArrayLength() > 0, $"errors.{field} has no message");
        }

        return errors;
    }

    public static async Task AssertStatusAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            Assert.Fail($"expected {(int)status} but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static StringContent RawJson(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, RawJson(json));

    public static async Task<HttpResponseMessage> SendAsync(
        this HttpClient client, HttpMethod method, string path, object? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: OrchestratorFactory.Json);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Queues one priority call and returns the call as the API answered it.</summary>
    public static async Task<JsonElement> QueueCallAsync(this TestWorkspace workspace, string toNumber, object? extra = null)
    {
        var response = await workspace.Client.PostAsJsonAsync("/calls/priority", Merge(workspace.PriorityCall(toNumber), extra));
        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        return await response.JsonAsync();
    }

    /// <summary>Registers another number and an agent that calls from it.</summary>
    public static async Task AddAgentAsync(this TestWorkspace workspace, string agentId, string phoneNumberId, string number = "+15550002222")
    {
        var numberResponse = await workspace.Client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId, phoneNumber = number, provider = "sip_trunk" });
        await numberResponse.AssertStatusAsync(HttpStatusCode.Created);
        var agentResponse = await workspace.Client.PostAsJsonAsync("/agents", new { agentId, phoneNumberIds = new[] { phoneNumberId } });
        await agentResponse.AssertStatusAsync(HttpStatusCode.Created);
    }

    /// <summary>The <c>pagination.total</c> of <c>GET /calls</c> with the given query.</summary>
    public static async Task<int> CallTotalAsync(this HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/calls" + query);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return (await response.JsonAsync()).GetProperty("pagination").GetProperty("total").GetInt32();
    }

    public static async Task<T> QueryDbAsync<T>(this OrchestratorFactory factory, Func<OrchestratorDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>());
    }

    /// <summary>Rows in every table the API writes to, to prove a refused request stored nothing.</summary>
    public static Task<(int Calls, int Events, int Agents, int Numbers, int Campaigns, int Keys, int Workspaces)> CountRowsAsync(this OrchestratorFactory factory) =>
        factory.QueryDbAsync(async db => (
            await db.Calls.CountAsync(),
            await db.CallEvents.CountAsync(),
            await db.Agents.CountAsync(),
            await db.PhoneNumbers.CountAsync(),
            await db.Campaigns.CountAsync(),
            await db.IdempotencyKeys.CountAsync(),
            await db.Workspaces.CountAsync()));

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    public static int Int(this JsonElement element, string name) => element.GetProperty(name).GetInt32();

    /// <summary>An anonymous object's properties with another's laid over them, as a dictionary for JSON.</summary>
    public static Dictionary<string, object?> Merge(object body, object? extra)
    {
        var merged = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var source in new[] { body, extra })
        {
            if (source is null)
            {
                continue;
            }

            var element = JsonSerializer.SerializeToElement(source, OrchestratorFactory.Json);
            foreach (var property in element.EnumerateObject())
            {
                merged[property.Name] = property.Value;
            }
        }

        return merged;
    }
}
