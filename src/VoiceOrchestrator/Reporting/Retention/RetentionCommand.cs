using VoiceOrchestrator.Hosting;

namespace VoiceOrchestrator.Reporting.Retention;

/// <summary>The <c>retention run</c> command: migrate, roll up and purge what is due, print what was done, exit.</summary>
public static class RetentionCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken = default)
    {
        if (args.Count == 0 || !string.Equals(args[0], "run", StringComparison.OrdinalIgnoreCase))
        {
            await output.WriteLineAsync("Usage: retention run   (rolls up and purges every day older than RETENTION_DAYS)");
            return 64;
        }

        await OrchestratorApp.MigrateAsync(services, cancellationToken);
        var report = await services.GetRequiredService<RetentionRunner>().RunAsync(cancellationToken);
        foreach (var day in report.Days)
        {
            await output.WriteLineAsync($"{day.Day:yyyy-MM-dd}: rolled up and purged {day.CallsPurged} call(s), {day.EventsDeleted} event(s) in {day.Elapsed.TotalMilliseconds:0} ms");
        }

        await output.WriteLineAsync(
            $"Retention done: {report.Days.Count} day(s), {report.CallsPurged} call(s) purged, {report.ConversationsDeleted} conversation(s) deleted; raw calls kept from {report.FirstKeptDay:yyyy-MM-dd}.");
        return 0;
    }
}
