namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// One benchmark, run as a subcommand (<c>-- NAME</c>, or all of them with <c>-- all</c>). A scenario
/// sets up what it needs (databases, service processes, later the provider emulator), measures,
/// tears everything down even on failure, and returns its figures for the console and BENCHMARKS.md.
/// </summary>
internal interface IScenario
{
    /// <summary>Subcommand name, also the marker name in BENCHMARKS.md.</summary>
    string Name { get; }

    string Summary { get; }

    /// <summary>Options of this scenario (<c>--name value</c>), besides the common ones.</summary>
    IReadOnlyList<ScenarioOption> Options { get; }

    Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

internal sealed record ScenarioOption(string Name, string Help, string Default);

/// <param name="Console">What to print.</param>
/// <param name="Markdown">The block kept in BENCHMARKS.md.</param>
/// <param name="Succeeded">False when the scenario ran but a check failed (wrong counts, errors); a missed target is not a failure.</param>
internal sealed record ScenarioReport(string Console, string Markdown, bool Succeeded);

/// <summary>Every scenario the runner knows, in the order <c>all</c> runs them.</summary>
internal static class ScenarioCatalog
{
    public static readonly IReadOnlyList<IScenario> All =
    [
        new IntakeScenario(),
        new DispatchScenario(),
        new ReportsScenario(),
        new ConversationsScenario(),
        new OperationsScenario(),
    ];

    public static IScenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
