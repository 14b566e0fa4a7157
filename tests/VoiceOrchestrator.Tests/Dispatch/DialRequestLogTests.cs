using System.Globalization;
using System.Text.Json;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// With the dialer's logger at debug level, each dial logs "Sending the dial request" once, with its call id, just
/// before the request leaves: the dispatch benchmark times the service's part of a dial by this line, to the
/// microsecond of the log's timestamp.
/// </summary>
public sealed class DialRequestLogTests
{
    [Fact]
    public async Task EachDialLogsItsRequestOnceJustBeforeTheProviderReceivesIt()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 10, RingMs = 0, CallDurationMs = 0 },
            DispatchKit.Settings(($"Logging__LogLevel__{typeof(CallDialer).FullName}", "Debug")));

        var ids = await rig.QueueNumbersAsync([.. Enumerable.Range(0, 5).Select(i => $"+1555444{i:D4}")]);
        using var client = rig.Client();
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));

        var sent = rig.Services[0].Output.Split('\n')
            .Where(line => line.StartsWith('{') && line.Contains("Sending the dial request", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();
        Assert.All(sent, line => Assert.Equal("Debug", line.GetProperty("LogLevel").GetString()));
        var sentAt = sent.ToDictionary(
            line => Guid.Parse(line.GetProperty("State").GetProperty("CallId").GetString()!),
            line => line.GetProperty("Timestamp").GetString()!);
        Assert.Equal(ids.Order(), sentAt.Keys.Order());

        var arrivals = rig.Simulator.State.GetConversations().ToDictionary(
            c => Guid.Parse(c.Request.GetProperty("conversation_initiation_client_data").GetProperty("user_id").GetString()!),
            c => c.StartedAt);
        foreach (var (id, timestamp) in sentAt)
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", timestamp);
            var at = DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture);
            Assert.True(at <= arrivals[id], $"call {id}: logged as sent at {at:O}, received by the emulator at {arrivals[id]:O}");
        }
    }
}
