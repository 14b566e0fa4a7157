using System.Globalization;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench;

/// <summary>What every scenario gets: the parsed options, where the service build is, and the machine record.</summary>
internal sealed class BenchContext(BenchOptions options, MachineInfo machine)
{
    public BenchOptions Options { get; } = options;
    public MachineInfo Machine { get; } = machine;
    public IReadOnlyList<DatabaseKind> Databases => Options.Databases;
    public string ServiceAssembly => Options.ServiceAssembly;

    /// <summary>Extra environment for every service process (--service-env), on top of the scenario's own.</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment => Options.ServiceEnvironment;

    /// <summary>The command that reproduces this run, as recorded in BENCHMARKS.md.</summary>
    public string CommandLine => Options.CommandLine;

    /// <summary>Where a service process's log should be kept (--service-logs), or null.</summary>
    public string? ServiceLogFile(string scenario, string label) =>
        Options.ServiceLogDirectory is { } dir ? Path.Combine(dir, $"{scenario}-{label}-{DateTime.UtcNow:yyyyMMddTHHmmss}.log") : null;

    public int Int(string name, int fallback, int min, int max)
    {
        if (!Options.Values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        var normalized = text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (!int.TryParse(normalized, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be a whole number from {min} to {max} (got '{text}').");
        }

        return value;
    }

    /// <summary>Progress on stderr, so that stdout holds only the results.</summary>
    public static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
