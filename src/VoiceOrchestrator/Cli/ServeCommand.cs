using System.CommandLine;

namespace VoiceOrchestrator.Cli;

/// <summary><c>serve</c> (the default): the API, the dispatcher and the webhooks, until SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the service: API, dispatcher and webhooks (the default). Stops gracefully on SIGTERM.")
        {
            // ASP.NET Core host switches (--urls, --environment) pass through to the host.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parsed, cancellationToken) => RunAsync(parsed, cancellationToken));
        return command;
    }

    /// <summary>With no command the binary serves, taking any host switches given.</summary>
    public static void MakeDefault(RootCommand root)
    {
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parsed, cancellationToken) =>
        {
            if (parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) is { } unknown)
            {
                Console.Error.WriteLine($"Unknown command '{unknown}'. Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}. Run 'VoiceOrchestrator --help'.");
                return Task.FromResult(ExitCodes.Usage);
            }

            return RunAsync(parsed, cancellationToken);
        });
    }

    private static Task<int> RunAsync(ParseResult parsed, CancellationToken cancellationToken) =>
        CommandHost.RunAsync([.. parsed.UnmatchedTokens], async (app, _) =>
        {
            await app.RunAsync();
            return ExitCodes.Ok;
        }, cancellationToken);
}
