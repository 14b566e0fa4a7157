using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Hosting;

// The service binary: `serve` (the default) runs the API and the dispatcher; `migrate` applies the
// database migrations and exits; `retention run` rolls up and purges old calls and exits.
var command = args.FirstOrDefault(a => !a.StartsWith('-'))?.ToLowerInvariant() ?? "serve";
var hostArgs = args.Where(a => !string.Equals(a, command, StringComparison.OrdinalIgnoreCase)).ToArray();

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

    return 2;
}

switch (command)
{
    case "serve":
        await app.RunAsync();
        return 0;
    case "migrate":
        await OrchestratorApp.MigrateAsync(app.Services);
        Console.WriteLine("Database is up to date.");
        return 0;
    case "retention":
        return await VoiceOrchestrator.Reporting.Retention.RetentionCommand.RunAsync(app.Services, hostArgs.Where(a => !a.StartsWith('-')).ToArray(), Console.Out);
    case "sync":
        return await ConversationSyncCommand.RunAsync(app.Services, args);
    default:
        Console.Error.WriteLine($"Unknown command '{command}'. Commands: serve (default), migrate, sync, retention run.");
        return 64;
}

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
