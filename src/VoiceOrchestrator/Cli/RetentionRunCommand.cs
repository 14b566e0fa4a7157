using System.CommandLine;
using VoiceOrchestrator.Reporting.Retention;

namespace VoiceOrchestrator.Cli;

/// <summary><c>retention run</c>: rolls up and purges every day older than RETENTION_DAYS, then exits.</summary>
public static class RetentionRunCommand
{
    public static Command Create()
    {
        var run = new Command("run", "Roll up and purge every day of calls older than RETENTION_DAYS, then exit.");
        run.SetAction((_, cancellationToken) => CommandHost.RunAsync([], (app, token) =>
            RetentionCommand.RunAsync(app.Services, ["run"], Console.Out, token), cancellationToken));
        return new Command("retention", "Raw-record retention.") { run };
    }
}
