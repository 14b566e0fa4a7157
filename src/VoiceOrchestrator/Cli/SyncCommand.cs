using System.CommandLine;
using System.Globalization;
using VoiceOrchestrator.Conversations;

namespace VoiceOrchestrator.Cli;

/// <summary><c>sync [--workspace ID] [--limit N]</c>: one conversation sync, the same run as <c>POST /conversations/sync</c>.</summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var workspace = new Option<string?>("--workspace") { Description = "The workspace to sync; may be left out when there is only one." };
        var limit = new Option<int?>("--limit") { Description = $"Most conversations to fetch (1-{ConversationSync.MaxLimit}, default {ConversationSync.DefaultLimit})." };
        var command = new Command("sync", "Fetch the newest conversations from ElevenLabs into the database once, then exit.") { workspace, limit };
        command.SetAction((parsed, cancellationToken) => CommandHost.RunAsync([], async (app, token) =>
        {
            // The conversation sync parses its own switches; hand it what was given.
            var args = new List<string>();
            if (parsed.GetValue(limit) is { } n)
            {
                args.AddRange(["--limit", n.ToString(CultureInfo.InvariantCulture)]);
            }

            if (parsed.GetValue(workspace) is { } id)
            {
                args.AddRange(["--workspace", id]);
            }

            return await ConversationSyncCommand.RunAsync(app.Services, [.. args], token);
        }, cancellationToken));
        return command;
    }
}
