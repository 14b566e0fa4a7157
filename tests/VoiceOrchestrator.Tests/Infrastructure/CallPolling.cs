using System.Net.Http.Json;
using System.Text.Json;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>Waits, bounded, until calls reach a state, reading them through the public API.</summary>
public static class CallPolling
{
    public static readonly string[] Terminal = ["completed", "busy", "no_answer", "machine_detected", "failed", "cancelled", "expired"];

    /// <summary>Counts of calls by status, over all pages.</summary>
    public static async Task<Dictionary<string, int>> StatusCountsAsync(HttpClient client, string query = "")
    {
        var counts = new Dictionary<string, int>();
        foreach (var status in Terminal.Concat(["queued", "dialing", "ringing", "in_progress"]))
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"calls?limit=1&status={status}{query}");
            var total = page.GetProperty("pagination").GetProperty("total").GetInt32();
            if (total > 0)
            {
                counts[status] = total;
            }
        }

        return counts;
    }

    public static async Task<Dictionary<string, int>> WaitAllTerminalAsync(HttpClient client, int expected, TimeSpan timeout, string query = "")
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, int> counts = [];
        while (DateTime.UtcNow < deadline)
        {
            counts = await StatusCountsAsync(client, query);
            if (Terminal.Sum(s => counts.GetValueOrDefault(s)) >= expected)
            {
                return counts;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Not all {expected} calls ended within {timeout}: {JsonSerializer.Serialize(counts)}");
    }
}
