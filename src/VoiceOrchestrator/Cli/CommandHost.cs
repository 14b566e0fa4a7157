using System.Data.Common;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Hosting;

namespace VoiceOrchestrator.Cli;

/// <summary>
/// Builds the service (settings, storage, every registration) for a command, and turns the
/// failures a person can fix into a message and an exit code instead of a stack trace.
/// </summary>
public static class CommandHost
{
    public static async Task<int> RunAsync(string[] hostArgs, Func<WebApplication, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = OrchestratorApp.Build(hostArgs);
        }
        catch (InvalidConfigurationException ex)
        {
            Console.Error.WriteLine("VoiceOrchestrator cannot start; fix these settings:");
            foreach (var problem in ex.Problems)
            {
                Console.Error.WriteLine("  " + problem);
            }

            return ExitCodes.InvalidConfiguration;
        }

        try
        {
            return await command(app, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException { InnerException: DbException } or TimeoutException)
        {
            Console.Error.WriteLine($"The database could not be used: {(ex.InnerException ?? ex).Message}");
            Console.Error.WriteLine("Check DATABASE_URL and that the database server is running and reachable.");
            return ExitCodes.Failed;
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
