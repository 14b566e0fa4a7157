using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Hosting;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// <c>sync [--limit N] [--workspace ID]</c>: one manual sync from the command line, the same run
/// as <c>POST /conversations/sync</c>. Without <c>--workspace</c> the only workspace is used.
/// Exit code 0 when the run succeeded, 1 when it failed (its log says why), 64 for bad usage.
/// </summary>
public static class ConversationSyncCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken = default)
    {
        if (!TryParse(args, out var limit, out var workspaceId, out var usageError))
        {
            Console.Error.WriteLine(usageError);
            Console.Error.WriteLine("Usage: sync [--limit N (1-100000, default 100)] [--workspace ID]");
            return 64;
        }

        await OrchestratorApp.MigrateAsync(services, cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        if (workspaceId is null)
        {
            var workspaces = await db.Workspaces.OrderBy(w => w.Id).Select(w => w.Id).Take(2).ToListAsync(cancellationToken);
            if (workspaces.Count != 1)
            {
                Console.Error.WriteLine(workspaces.Count == 0 ? "There is no workspace to sync." : "Several workspaces exist: name one with --workspace ID.");
                return 64;
            }

            workspaceId = workspaces[0];
        }
        else if (!await db.Workspaces.AnyAsync(w => w.Id == workspaceId, cancellationToken))
        {
            Console.Error.WriteLine($"Workspace '{workspaceId}' was not found.");
            return 64;
        }

        var run = await scope.ServiceProvider.GetRequiredService<ConversationSync>().RunAsync(workspaceId, limit, cancellationToken);
        Console.WriteLine(JsonSerializer.Serialize(Api.SyncRunResponse.From(run)));
        return run.Log.Status == SyncLogs.Success ? 0 : 1;
    }

    internal static bool TryParse(string[] args, out int limit, out string? workspaceId, out string? error)
    {
        limit = ConversationSync.DefaultLimit;
        workspaceId = null;
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            if (name is not ("--limit" or "--workspace"))
            {
                continue;
            }

            var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (name == "--limit")
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > ConversationSync.MaxLimit)
                {
                    error = $"--limit must be a whole number from 1 to {ConversationSync.MaxLimit}.";
                    return false;
                }
            }
            else if (string.IsNullOrWhiteSpace(value))
            {
                error = "--workspace needs a workspace id.";
                return false;
            }
            else
            {
                workspaceId = value;
            }
        }

        return true;
    }
}
