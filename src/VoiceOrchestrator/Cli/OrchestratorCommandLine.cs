using System.CommandLine;

namespace VoiceOrchestrator.Cli;

/// <summary>
/// The service binary's commands. Each command lives in its own file and is listed here once;
/// with no command the binary serves. Exit codes are those of <see cref="ExitCodes"/>.
/// </summary>
public static class OrchestratorCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "VoiceOrchestrator: outbound AI phone calls through ElevenLabs. Configured by environment variables (see the README); with no command it serves.")
        {
            ServeCommand.Create(),
            MigrateCommand.Create(),
            WorkspaceCommand.Create(),
            SyncCommand.Create(),
            RetentionRunCommand.Create(),
            HealthCommand.Create(),
        };
        ServeCommand.MakeDefault(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Create().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }

            Console.Error.WriteLine($"Run '{HelpCommandName(parsed)} --help' to see what it takes.");
            return ExitCodes.Usage;
        }

        // The host stops the service on SIGTERM/Ctrl+C itself, gracefully; the parser must not kill the process first.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }

    private static string HelpCommandName(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? "VoiceOrchestrator" : result.Command.Name);
        }

        return string.Join(' ', names);
    }
}

/// <summary>What the binary's exit code means.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command was understood but failed (database unreachable, say); the message says why.</summary>
    public const int Failed = 1;

    /// <summary>An environment variable is invalid; each bad one is named.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>The thing named (a workspace id) does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>Unknown command, missing or invalid argument (EX_USAGE).</summary>
    public const int Usage = 64;
}
