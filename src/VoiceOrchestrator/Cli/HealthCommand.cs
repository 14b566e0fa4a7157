using System.CommandLine;
using System.Globalization;

namespace VoiceOrchestrator.Cli;

/// <summary>
/// <c>health</c>: asks a running service whether it is alive (exit 0) or not (exit 1). The container
/// health check runs it, so that the runtime image needs no curl.
/// </summary>
public static class HealthCommand
{
    public static Command Create()
    {
        var url = new Option<Uri?>("--url") { Description = "What to ask; by default http://127.0.0.1:$SERVICE_PORT/health (SERVICE_PORT or PORT, else 3000)." };
        var command = new Command("health", "Check that the service on this machine answers /health; exit 0 if it does, 1 if not.") { url };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var target = parsed.GetValue(url) ?? new Uri($"http://127.0.0.1:{LocalPort()}/health");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await http.GetAsync(target, cancellationToken);
                Console.WriteLine($"{target}: {(int)response.StatusCode}");
                return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Console.Error.WriteLine($"{target}: no answer ({ex.Message})");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static int LocalPort()
    {
        var raw = Environment.GetEnvironmentVariable("SERVICE_PORT") ?? Environment.GetEnvironmentVariable("PORT");
        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) ? port : 3000;
    }
}
