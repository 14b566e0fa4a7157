using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using System.Text.Json;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>One transition of a call, as <c>GET /calls/{id}</c> shows it.</summary>
internal sealed record CallEventView(string? From, string To, string? Reason, int Attempt, DateTime At);

/// <summary>The parts of a call the dispatch tests look at.</summary>
internal sealed record CallView(
    Guid Id,
    string Status,
    string ToNumber,
    int Attempts,
    string? ConversationId,
    string? FailureReason,
    string? LastError,
    IReadOnlyList<CallEventView> Events)
{
    public bool IsTerminal => CallPolling.Terminal.Contains(Status);

    /// <summary>How many times the call was claimed for a dial (each claim sends one provider request).</summary>
    public int Claims => Events.Count(e => e.To == "dialing");

    public string History => string.Join(" | ", Events.Select(e => $"{e.From}->{e.To} ({e.Reason}, attempt {e.Attempt}, {e.At:HH:mm:ss.fff})"));

    public static CallView Parse(JsonElement call) => new(
        call.GetProperty("id").GetGuid(),
        call.GetProperty("status").GetString()!,
        call.GetProperty("toNumber").GetString()!,
        call.GetProperty("attempts").GetInt32(),
        Text(call, "conversationId"),
        Text(call, "failureReason"),
        Text(call, "lastError"),
        call.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array
            ? [.. events.EnumerateArray().Select(e => new CallEventView(
                Text(e, "from"), e.GetProperty("to").GetString()!, Text(e, "reason"), e.GetProperty("attempt").GetInt32(), e.GetProperty("at").GetDateTimeOffset().UtcDateTime))]
            : []);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Helpers the dispatch tests share: queueing, reading calls back, bounded waits, emulator look-ups.</summary>
internal static class DispatchKit
{
    /// <summary>Queues one bulk request with the given numbers (repeats kept); returns the ids of its calls.</summary>
    public static async Task<List<Guid>> QueueNumbersAsync(this DispatchRig rig, IReadOnlyList<string> numbers, int concurrency = 100, int instance = 0)
    {
        using var client = rig.Client(instance);
        var response = await client.PostAsJsonAsync("calls/bulk", new
        {
            agentId = DispatchRig.AgentId,
            agentPhoneNumberId = DispatchRig.PhoneNumberId,
            concurrency,
            allowDuplicates = true,
            calls = numbers.Select(n => new { toNumber = n }),
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"bulk intake failed: {(int)response.StatusCode} {text}");
        var batchId = JsonDocument.Parse(text).RootElement.GetProperty("batchId").GetGuid();
        var calls = await ListCallsAsync(client, $"batchId={batchId}");
        Assert.Equal(numbers.Count, calls.Count);
        // In request order: call ids are time-ordered (UUIDv7), while the listing is newest first.
        return [.. calls.Select(c => c.Id).Order(Comparer<Guid>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString())))];
    }

    /// <summary>All calls matching the query (without events), over all pages.</summary>
    public static async Task<List<CallView>> ListCallsAsync(HttpClient client, string query = "")
    {
        var all = new List<CallView>();
        for (var page = 1; page < 1000; page++)
        {
            var answer = await client.GetFromJsonAsync<JsonElement>($"calls?limit=500&page={page}&{query}");
            var data = answer.GetProperty("data");
            all.AddRange(data.EnumerateArray().Select(CallView.Parse));
            if (page >= answer.GetProperty("pagination").GetProperty("totalPages").GetInt32())
            {
                break;
            }
        }

        return all;
    }

    /// <summary>One call with its history.</summary>
    public static async Task<CallView> GetCallAsync(HttpClient client, Guid id) =>
        CallView.Parse(await client.GetFromJsonAsync<JsonElement>($"calls/{id}"));

    /// <summary>The calls with their histories, a few requests at a time.</summary>
    public static async Task<List<CallView>> GetCallsAsync(HttpClient client, IEnumerable<Guid> ids)
    {
        var result = new List<CallView>();
        foreach (var chunk in ids.Chunk(8))
        {
            result.AddRange(await Task.WhenAll(chunk.Select(id => GetCallAsync(client, id))));
        }

        return result;
    }

    /// <summary>Waits, bounded, until every given call is terminal; returns them with their histories.</summary>
    public static async Task<List<CallView>> WaitTerminalAsync(HttpClient client, IReadOnlyCollection<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = ids.ToHashSet();
        while (true)
        {
            var calls = await GetCallsAsync(client, pending);
            foreach (var call in calls.Where(c => c.IsTerminal))
            {
                pending.Remove(call.Id);
            }

            if (pending.Count == 0)
            {
                return await GetCallsAsync(client, ids);
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{pending.Count} of {ids.Count} calls did not end within {timeout}:\n"
                            + string.Join('\n', calls.Where(c => !c.IsTerminal).Take(10).Select(c => $"{c.Id} {c.ToNumber} {c.Status} attempts={c.Attempts} lastError={c.LastError}: {c.History}")));
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Polls a condition until it holds or the time is up (then fails with the message).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeout}: {failure()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Terminal calls of the workspace (all calls of the rig's one workspace).</summary>
    public static async Task<int> TerminalCountAsync(HttpClient client)
    {
        var counts = await CallPolling.StatusCountsAsync(client);
        return CallPolling.Terminal.Sum(s => counts.GetValueOrDefault(s));
    }

    /// <summary>The emulator's conversations whose dial carried this call id as <c>user_id</c>.</summary>
    public static ILookup<string, ConversationSnapshot> ConversationsByUserId(this DispatchRig rig) =>
        rig.Simulator.State.GetConversations().ToLookup(UserId, StringComparer.OrdinalIgnoreCase);

    public static string UserId(ConversationSnapshot conversation) =>
        conversation.Request.TryGetProperty("conversation_initiation_client_data", out var data)
        && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("user_id", out var userId)
        && userId.ValueKind == JsonValueKind.String
            ? userId.GetString()!
            : "";

    /// <summary>
    /// At most once, read from the call's own history and the provider's records: the provider placed
    /// at most one conversation for the call, every redial came after the previous attempt was shown
    /// not to have been placed (or was turned away for capacity), and a call that completed was matched
    /// with the very conversation the provider placed for it.
    /// </summary>
    public static void AssertDialedAtMostOnce(CallView call, IReadOnlyCollection<ConversationSnapshot> placed)
    {
        Assert.True(placed.Count <= 1, $"call {call.Id} ({call.ToNumber}) was placed {placed.Count} times: {call.History}");
        var events = call.Events;
        var firstClaim = events.ToList().FindIndex(e => e.To == "dialing");
        for (var i = firstClaim + 1; i < events.Count; i++)
        {
            if (events[i].To != "dialing")
            {
                continue;
            }

            // Back to the queue only for a reason that proves the last attempt never rang anybody.
            var before = events[i - 1];
            Assert.True(
                before.To == "queued" && before.Reason is "provider_at_capacity" or "reconciled_not_placed" or "provider_unreachable",
                $"call {call.Id} was dialed again after '{before.From}->{before.To} ({before.Reason})': {call.History}");
        }

        if (call.Status == "completed")
        {
            var conversation = Assert.Single(placed);
            Assert.Equal(conversation.ConversationId, call.ConversationId);
        }
    }

    /// <summary>Npgsql connection string of the rig's PostgreSQL database.</summary>
    public static string PostgresConnectionString(this DispatchRig rig, PostgresFixture postgres)
    {
        var database = Uri.UnescapeDataString(new Uri(rig.Database.DatabaseUrl).AbsolutePath.TrimStart('/'));
        return postgres.Cluster.ConnectionString(database);
    }

    /// <summary>Settings that make lapsed leases and ambiguous dials resolve within a test's time.</summary>
    public static Dictionary<string, string?> Settings(params (string Name, string Value)[] settings) =>
        settings.ToDictionary(s => s.Name, s => (string?)s.Value);

    /// <summary>The service's dispatcher lease, once this instance holds it (within 20 s).</summary>
    public static async Task<DispatcherLeaseKeeper> HeldLeaseAsync(IServiceProvider services)
    {
        var lease = services.GetRequiredService<DispatcherLeaseKeeper>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!lease.IsHeld && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(lease.IsHeld);
        return lease;
    }
}
