using System.Globalization;
using System.Reflection;
using System.Text;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Scenarios;

namespace VoiceOrchestrator.Bench;

internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// <c>COMMAND [--option value | --option=value | --flag]...</c>. COMMAND is a scenario name, <c>all</c>,
/// <c>list</c> or <c>help</c>. Common options are handled here; the rest belong to scenarios.
/// </summary>
internal sealed class BenchOptions
{
    private static readonly string[] Flags = ["no-write", "help"];
    private const string ServiceEnvOption = "service-env";

    private static readonly ScenarioOption[] Common =
    [
        new("db", "Databases to run on: sqlite, postgres or all (comma-separated list allowed).", "all"),
        new("service", "The service build output to start.", "src/VoiceOrchestrator/bin/<configuration>/net10.0/VoiceOrchestrator.dll"),
        new("benchmarks-file", "Where the results are recorded.", "BENCHMARKS.md at the repository root"),
        new("no-write", "Print the results only; leave BENCHMARKS.md alone.", "off"),
        new("service-logs", "Keep each service process's log (stdout + stderr) in this directory.", "not kept"),
        new(ServiceEnvOption, "NAME=VALUE for every service process started (repeatable), e.g. DISPATCH_POLL_MS=60000.", "none"),
        new("timeout", "Bound for the whole run, in seconds.", "1800"),
    ];

    public required string Command { get; init; }
    public required IReadOnlyList<DatabaseKind> Databases { get; init; }
    public required string ServiceAssembly { get; init; }
    public required string BenchmarksPath { get; init; }
    public required bool Write { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required IReadOnlyDictionary<string, string> Values { get; init; }
    public required string CommandLine { get; init; }
    public required IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; }
    public string? ServiceLogDirectory => Values.TryGetValue("service-logs", out var dir) ? Path.GetFullPath(dir) : null;

    public static string RepositoryRoot => Metadata("RepositoryRoot") ?? Directory.GetCurrentDirectory();
    public static string BuildConfiguration => Metadata("BuildConfiguration") ?? "unknown";

    public static BenchOptions Parse(string[] args)
    {
        var command = args.FirstOrDefault(a => !a.StartsWith('-'))?.ToLowerInvariant() ?? "help";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var known = Common.Concat(ScenarioCatalog.All.SelectMany(s => s.Options)).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var serviceEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        var commandSeen = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (commandSeen || arg.StartsWith('-'))
                {
                    throw new UsageException($"Unexpected argument '{arg}'.");
                }

                commandSeen = true;
                continue;
            }

            var (name, value) = arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (arg[2..eq], arg[(eq + 1)..]) : (arg[2..], null);
            if (name is "h")
            {
                name = "help";
            }

            if (!known.Contains(name) && !Flags.Contains(name))
            {
                throw new UsageException($"Unknown option '--{name}'.");
            }

            if (Flags.Contains(name))
            {
                values[name] = value ?? "true";
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"--{name} needs a value.");
                }

                value = args[++i];
            }

            if (name == ServiceEnvOption)
            {
                var eq2 = value.IndexOf('=', StringComparison.Ordinal);
                if (eq2 <= 0)
                {
                    throw new UsageException($"--{ServiceEnvOption} takes NAME=VALUE (got '{value}').");
                }

                serviceEnvironment[value[..eq2]] = value[(eq2 + 1)..];
                continue;
            }

            values[name] = value;
        }

        if (values.ContainsKey("help"))
        {
            command = "help";
        }

        var root = RepositoryRoot;
        var timeoutSeconds = values.TryGetValue("timeout", out var timeoutText)
            ? int.TryParse(timeoutText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && t is >= 10 and <= 86_400
                ? t
                : throw new UsageException("--timeout must be from 10 to 86400 seconds.")
            : 1800;
        return new BenchOptions
        {
            Command = command,
            Databases = ParseDatabases(values.GetValueOrDefault("db", "all")),
            ServiceAssembly = Path.GetFullPath(values.GetValueOrDefault("service") ?? Metadata("ServiceAssembly")
                ?? Path.Combine(root, "src", "VoiceOrchestrator", "bin", "Release", "net10.0", "VoiceOrchestrator.dll")),
            BenchmarksPath = Path.GetFullPath(values.GetValueOrDefault("benchmarks-file") ?? Path.Combine(root, "BENCHMARKS.md")),
            Write = !values.ContainsKey("no-write"),
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            Values = values,
            ServiceEnvironment = serviceEnvironment,
            CommandLine = (ProcStat.Niceness() is { } nice and not 0 ? $"nice -n {nice} " : "")
                + $"dotnet run -c {BuildConfiguration} --project bench/VoiceOrchestrator.Bench -- "
                + string.Join(' ', args.Where(a => a != "--no-write").Select(ProcessRunner.ShellQuote)),
        };
    }

    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("VoiceOrchestrator benchmarks. Run from the repository root:");
        text.AppendLine();
        text.AppendLine("  dotnet run -c Release --project bench/VoiceOrchestrator.Bench -- <scenario|all|list> [options]");
        text.AppendLine();
        text.AppendLine("Scenarios:");
        foreach (var scenario in ScenarioCatalog.All)
        {
            text.AppendLine($"  {scenario.Name,-10} {scenario.Summary}");
        }

        text.AppendLine($"  {"all",-10} every scenario above, in order");
        text.AppendLine();
        text.AppendLine("Common options:");
        AppendOptions(text, Common);
        foreach (var scenario in ScenarioCatalog.All.Where(s => s.Options.Count > 0))
        {
            text.AppendLine();
            text.AppendLine($"Options of '{scenario.Name}':");
            AppendOptions(text, scenario.Options);
        }

        text.AppendLine();
        text.AppendLine("Results are printed and written into BENCHMARKS.md between the scenario's markers.");
        text.AppendLine("PostgreSQL runs start a throwaway server (initdb in /tmp; as root it runs as the 'postgres' user).");
        return text.ToString();
    }

    private static void AppendOptions(StringBuilder text, IEnumerable<ScenarioOption> options)
    {
        foreach (var option in options)
        {
            text.AppendLine($"  --{option.Name,-18} {option.Help} Default: {option.Default}.");
        }
    }

    private static List<DatabaseKind> ParseDatabases(string text)
    {
        var kinds = new List<DatabaseKind>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IEnumerable<DatabaseKind> add = name.ToLowerInvariant() switch
            {
                "all" or "both" => [DatabaseKind.Sqlite, DatabaseKind.Postgres],
                "sqlite" => [DatabaseKind.Sqlite],
                "postgres" or "postgresql" or "pg" => [DatabaseKind.Postgres],
                _ => throw new UsageException($"--db: unknown database '{name}' (sqlite, postgres, all)."),
            };
            kinds.AddRange(add.Where(k => !kinds.Contains(k)));
        }

        return kinds.Count > 0 ? kinds : throw new UsageException("--db names no database.");
    }

    private static string? Metadata(string key) =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
}
