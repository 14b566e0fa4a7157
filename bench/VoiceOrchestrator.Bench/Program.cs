using System.Runtime.InteropServices;
using VoiceOrchestrator.Bench;
using VoiceOrchestrator.Bench.Reporting;
using VoiceOrchestrator.Bench.Scenarios;

// Benchmark runner: `dotnet run -c Release --project bench/VoiceOrchestrator.Bench -- <scenario|all|list>`.
// Exit codes: 0 ran and every check passed (a missed target is reported, not a failure), 1 a check or
// a run failed, 3 timed out or interrupted, 64 bad usage.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.Write(BenchOptions.Usage());
    return 64;
}

IReadOnlyList<IScenario> selected;
switch (options.Command)
{
    case "help":
        Console.Write(BenchOptions.Usage());
        return 0;
    case "list":
        foreach (var scenario in ScenarioCatalog.All)
        {
            Console.WriteLine($"{scenario.Name,-10} {scenario.Summary}");
        }

        return 0;
    case "all":
        selected = ScenarioCatalog.All;
        break;
    default:
        if (ScenarioCatalog.Find(options.Command) is not { } one)
        {
            Console.Error.WriteLine($"Unknown scenario '{options.Command}'. Known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}, all.");
            return 64;
        }

        selected = [one];
        break;
}

// Ctrl+C and SIGTERM cancel the run, so that every server started is stopped and its files deleted.
using var cancellation = new CancellationTokenSource(options.Timeout);
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

if (!string.Equals(BenchOptions.BuildConfiguration, "Release", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"warning: this is a {BenchOptions.BuildConfiguration} build; figures are only meaningful with -c Release.");
}

var succeeded = true;
try
{
    var context = new BenchContext(options, await MachineInfo.CollectAsync(BenchOptions.RepositoryRoot));
    BenchContext.Log($"Machine: {context.Machine.Describe()}");
    BenchContext.Log($"Service: {options.ServiceAssembly}");
    foreach (var scenario in selected)
    {
        BenchContext.Log($"Scenario '{scenario.Name}': {scenario.Summary}");
        var report = await scenario.RunAsync(context, cancellation.Token);
        Console.WriteLine(report.Console);
        succeeded &= report.Succeeded;
        if (options.Write)
        {
            BenchmarksFile.Update(options.BenchmarksPath, scenario.Name, report.Markdown);
            BenchContext.Log($"Recorded in {options.BenchmarksPath}");
        }
    }
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine($"Stopped: interrupted or over the --timeout of {options.Timeout.TotalSeconds:0} s.");
    return 3;
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 64;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException
    or System.Text.Json.JsonException or System.Data.Common.DbException or System.ComponentModel.Win32Exception)
{
    Console.Error.WriteLine($"Benchmark failed: {e}");
    return 1;
}

return succeeded ? 0 : 1;

void Interrupt(PosixSignalContext signal)
{
    signal.Cancel = true;
    Console.Error.WriteLine($"{signal.Signal}: stopping and cleaning up…");
    cancellation.Cancel();
}
