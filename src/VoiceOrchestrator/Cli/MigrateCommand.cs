using System.CommandLine;
using VoiceOrchestrator.Hosting;

namespace VoiceOrchestrator.Cli;

/// <summary><c>migrate</c>: applies the database migrations not yet applied, then exits.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Apply the database migrations to DATABASE_URL and exit (the service also does this when it starts).");
        command.SetAction((_, cancellationToken) => CommandHost.RunAsync([], async (app, token) =>
        {
            await OrchestratorApp.MigrateAsync(app.Services, token);
            Console.WriteLine("Database is up to date.");
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
