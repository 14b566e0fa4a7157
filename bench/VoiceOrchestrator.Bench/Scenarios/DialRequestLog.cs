using System.Globalization;
using System.Text.Json;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// When the service sent each dial request, from its debug line "Sending the dial request of call … to …"
/// (<c>CallDialer</c>), which the dispatch benchmark turns on for that one logger. That line is written just before
/// the request leaves, so it ends the service's own part of a dial; what follows is the provider's.
/// </summary>
internal static class DialRequestLog
{
    private const string Category = "VoiceOrchestrator.Dispatch.CallDialer";

    /// <summary>The service setting that turns the line on, and nothing else at debug level.</summary>
    public static KeyValuePair<string, string> Setting { get; } = new($"Logging__LogLevel__{Category}", "Debug");

    public static List<(string CallId, DateTime At)> Sent(IEnumerable<string> logLines)
    {
        var sent = new List<(string, DateTime)>();
        foreach (var line in logLines)
        {
            if (!line.StartsWith('{') || !line.Contains(Category, StringComparison.Ordinal) || !line.Contains("Sending the dial request", StringComparison.Ordinal))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var at = DateTime.Parse(root.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            sent.Add((root.GetProperty("State").GetProperty("CallId").GetString()!, at));
        }

        return sent;
    }
}
