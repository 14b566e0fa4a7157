using System.Collections;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class SimulatorSettingsTests
{
    [Fact]
    public void Environment_variables_set_every_kind_of_setting()
    {
        var environment = new Hashtable
        {
            ["SIM_CONCURRENCY_LIMIT"] = "12",
            ["SIM_WEBHOOK_URL"] = "http://127.0.0.1:9000/webhooks/elevenlabs",
            ["SIM_WEBHOOK_SECRET"] = "12345",
            ["SIM_CALL_DURATION_MS"] = "0",
            ["SIM_RING_MS"] = "0",
            ["SIM_API_KEY"] = "sk_bench",
            ["SIM_SERVER_ERROR_PLACES_CALL"] = "true",
            ["SIM_OUTCOMES"] = "answered=8,busy=1,noAnswer=1",
            ["SIM_NUMBER_FAULTS"] = """{"+15550000001":"timeout_placed"}""",
            ["SIM_SEED"] = "3",
            ["PATH"] = "/usr/bin",
        };

        var options = SimulatorSettings.Load(environment, []);

        Assert.Equal(12, options.ConcurrencyLimit);
        Assert.Equal("http://127.0.0.1:9000/webhooks/elevenlabs", options.WebhookUrl);
        Assert.Equal("12345", options.WebhookSecret);
        Assert.Equal(0, options.CallDurationMs);
        Assert.Equal(0, options.RingMs);
        Assert.Equal("sk_bench", options.ApiKey);
        Assert.True(options.ServerErrorPlacesCall);
        Assert.Equal(new OutcomeWeights { Answered = 8, Busy = 1, NoAnswer = 1 }, options.Outcomes);
        Assert.Equal(FaultKind.TimeoutPlaced, options.NumberFaults["+15550000001"]);
        Assert.Equal(3, options.Seed);
    }

    [Fact]
    public void Switches_override_variables_in_any_spelling()
    {
        var environment = new Hashtable { ["SIM_CONCURRENCY_LIMIT"] = "12", ["SIM_RING_MS"] = "5" };

        var options = SimulatorSettings.Load(
            environment,
            ["--urls", "http://127.0.0.1:7000", "--concurrency-limit=40", "--SIM_RING_MS", "9", "--capacity-answer", "success_false"]);

        Assert.Equal(40, options.ConcurrencyLimit);
        Assert.Equal(9, options.RingMs);
        Assert.Equal(CapacityAnswers.SuccessFalse, options.CapacityAnswer);
        Assert.Equal(["http://127.0.0.1:7000"], SimulatorSettings.ResolveUrls(environment, ["--urls", "http://127.0.0.1:7000"]));
    }

    [Fact]
    public void Urls_fall_back_to_sim_urls_then_the_default()
    {
        Assert.Equal(["http://127.0.0.1:1", "http://127.0.0.1:2"], SimulatorSettings.ResolveUrls(new Hashtable { ["SIM_URLS"] = "http://127.0.0.1:1;http://127.0.0.1:2" }, []));
        Assert.Equal([SimulatorSettings.DefaultUrl], SimulatorSettings.ResolveUrls(new Hashtable(), []));
    }

    [Theory]
    [InlineData("SIM_CONCURENCY_LIMIT", "3")]
    [InlineData("SIM_CONCURRENCY_LIMIT", "many")]
    [InlineData("SIM_TIMEOUT_RATE", "2")]
    public void Bad_settings_fail_with_a_message(string name, string value)
    {
        var exception = Assert.Throws<ArgumentException>(() => SimulatorSettings.Load(new Hashtable { [name] = value }, []));
        Assert.False(string.IsNullOrWhiteSpace(exception.Message));
    }

    [Fact]
    public void Every_option_has_an_environment_variable()
    {
        var names = SimulatorSettings.EnvironmentVariableNames;
        Assert.Contains("SIM_CONCURRENCY_LIMIT", names);
        Assert.Contains("SIM_WEBHOOK_URL", names);
        Assert.Contains("SIM_WEBHOOK_SECRET", names);
        Assert.Contains("SIM_CALL_DURATION_MS", names);
        Assert.Contains("SIM_RING_MS", names);
        Assert.Contains("SIM_API_KEY", names);
        Assert.Equal(typeof(SimulatorOptions).GetProperties().Length + 1, names.Count);
    }

    [Fact]
    public async Task Invalid_options_are_refused_at_start()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SimulatorApp.StartAsync(new SimulatorOptions { ConcurrencyLimit = -1 }));
    }
}
