using System.Net;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class FaultInjectionTests
{
    private const string RefusedNumber = "+15553000001";
    private const string ServerErrorNumber = "+15553000002";
    private const string ServerErrorPlacedNumber = "+15553000003";
    private const string TimeoutNumber = "+15553000004";
    private const string TimeoutPlacedNumber = "+15553000005";

    private static readonly SimulatorOptions Faulty = new()
    {
        RingMs = 0,
        CallDurationMs = 60_000,
        TimeoutMs = 200,
        NumberFaults = new Dictionary<string, FaultKind>
        {
            [RefusedNumber] = FaultKind.Refusal,
            [ServerErrorNumber] = FaultKind.ServerError,
            [ServerErrorPlacedNumber] = FaultKind.ServerErrorPlaced,
            [TimeoutNumber] = FaultKind.Timeout,
            [TimeoutPlacedNumber] = FaultKind.TimeoutPlaced,
        },
    };

    [Fact]
    public async Task Refusal_answers_400_invalid_parameters_and_places_nothing()
    {
        await using var harness = await SimulatorHarness.StartAsync(Faulty);

        using var response = await harness.DialAsync(RefusedNumber);
        var detail = (await SimulatorHarness.ReadJsonAsync(response))["detail"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_error", detail["type"]!.GetValue<string>());
        Assert.Equal("invalid_parameters", detail["code"]!.GetValue<string>());
        Assert.Empty(harness.State.GetConversations());
    }

    [Fact]
    public async Task Server_error_without_placement_leaves_no_conversation()
    {
        await using var harness = await SimulatorHarness.StartAsync(Faulty);

        using var response = await harness.DialAsync(ServerErrorNumber);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.NotNull((await SimulatorHarness.ReadJsonAsync(response))["detail"]!["code"]);
        Assert.Empty(harness.State.GetConversations());
        Assert.Equal(0, harness.State.ActiveCalls);
    }

    [Fact]
    public async Task Server_error_after_placement_is_ambiguous_the_call_exists_and_proceeds()
    {
        await using var harness = await SimulatorHarness.StartAsync(Faulty with { ServerErrorStatusCode = 503 });

        using var response = await harness.DialAsync(ServerErrorPlacedNumber);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var conversation = Assert.Single(harness.State.GetConversations());
        Assert.Equal(ServerErrorPlacedNumber, conversation.ToNumber);
        await harness.WaitForConversationStatusAsync(conversation.ConversationId, "in-progress");
        var stats = harness.State.GetStats();
        Assert.Equal(1, stats.AcceptedDials);
        Assert.Equal(1, stats.FaultsInjected);
        Assert.Equal(1, stats.ActiveCalls);
    }

    [Fact]
    public async Task Timeouts_hang_then_answer_504_placing_the_call_only_when_told()
    {
        await using var harness = await SimulatorHarness.StartAsync(Faulty);

        var started = DateTime.UtcNow;
        using var unplaced = await harness.DialAsync(TimeoutNumber);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(150));
        Assert.Equal(HttpStatusCode.GatewayTimeout, unplaced.StatusCode);
        Assert.Empty(harness.State.GetConversations());

        using var placed = await harness.DialAsync(TimeoutPlacedNumber);
        Assert.Equal(HttpStatusCode.GatewayTimeout, placed.StatusCode);
        Assert.Equal(TimeoutPlacedNumber, Assert.Single(harness.State.GetConversations()).ToNumber);
    }

    [Fact]
    public async Task A_client_that_gives_up_on_a_hanging_dial_does_not_disturb_the_simulator()
    {
        await using var harness = await SimulatorHarness.StartAsync(Faulty with { TimeoutMs = 30_000 });
        using var impatient = new CancellationTokenSource();
        var dial = harness.PostJsonAsync(SimulatorHarness.TwilioPath, SimulatorHarness.DialBody(TimeoutPlacedNumber), impatient.Token);

        // The client gives up once the dial has landed and hangs: giving up earlier, on a busy machine, could abort the
        // request before the simulator has read it, which is not the case under test.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (harness.State.GetConversations().Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dial);

        Assert.Single(harness.State.GetConversations());
        await harness.DialPlacedAsync("+15553000006");
    }

    [Fact]
    public async Task Fault_rates_with_a_seed_inject_a_share_of_faults()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions
        {
            RingMs = 0,
            CallDurationMs = 0,
            ConcurrencyLimit = 1000,
            RefusalRate = 0.25,
            ServerErrorRate = 0.25,
            Seed = 7,
        });

        var statuses = new List<HttpStatusCode>();
        for (var index = 0; index < 200; index++)
        {
            using var response = await harness.DialAsync($"+1555301{index:D4}");
            statuses.Add(response.StatusCode);
        }

        Assert.InRange(statuses.Count(status => status == HttpStatusCode.BadRequest), 25, 75);
        Assert.InRange(statuses.Count(status => status == HttpStatusCode.InternalServerError), 25, 75);
        Assert.Equal(statuses.Count(status => status == HttpStatusCode.OK), harness.State.GetStats().AcceptedDials);
    }
}
