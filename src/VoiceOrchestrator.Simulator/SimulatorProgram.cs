using Microsoft.Extensions.Hosting;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Standalone entry point, for benchmarks and multi-process tests. Settings come from <c>SIM_*</c> variables and
/// switches (see <see cref="SimulatorSettings"/>); <c>--urls</c> chooses where it listens.
/// </summary>
public static class SimulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        SimulatorOptions options;
        try
        {
            options = SimulatorSettings.Load(Environment.GetEnvironmentVariables(), args);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync($"Invalid simulator setting: {exception.Message}");
            return 2;
        }

        await using var app = SimulatorApp.Build(options, args);
        await app.StartAsync();
        Console.WriteLine(
            $"ElevenLabs simulator listening on {string.Join(", ", app.Urls)} " +
            $"(concurrency limit {options.ConcurrencyLimit}, ring {options.RingMs} ms, call {options.CallDurationMs} ms, " +
            $"webhooks {options.WebhookUrl ?? "off"})");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
