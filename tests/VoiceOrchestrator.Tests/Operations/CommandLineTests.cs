using System.Net;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>The binary's commands: help, exit codes, and messages that say what to fix.</summary>
[Collection(OperationsCollections.Processes)]
public sealed class CommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vo-cli-").FullName;

    private Dictionary<string, string?> Environment => new() { ["DATABASE_URL"] = "sqlite://" + Path.Combine(_directory, "cli.db") };

    [Fact]
    public async Task HelpListsTheCommandsAndExitsZero()
    {
        var run = await CommandRunner.RunAsync(Environment, "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "serve", "migrate", "workspace", "sync", "retention", "health" })
        {
            Assert.Contains(command, run.Output);
        }

        var workspace = await CommandRunner.RunAsync(Environment, "workspace", "--help");
        Assert.Equal(0, workspace.ExitCode);
        Assert.Contains("create", workspace.Output);
        Assert.Contains("rotate-key", workspace.Output);
    }

    [Fact]
    public async Task RetentionRunAndSyncTakeTheirOptions()
    {
        var retention = await CommandRunner.RunAsync(Environment, "retention", "run");
        Assert.True(retention.ExitCode == 0, retention.Errors);

        var badLimit = await CommandRunner.RunAsync(Environment, "sync", "--limit", "many");
        Assert.Equal(64, badLimit.ExitCode);
        Assert.Contains("--limit", badLimit.Errors);
    }

    [Fact]
    public async Task MistakesExitWithUsageAndSayWhatToDo()
    {
        var unknown = await CommandRunner.RunAsync(Environment, "frobnicate");
        Assert.Equal(64, unknown.ExitCode);
        Assert.Contains("Unknown command 'frobnicate'", unknown.Errors);

        var missing = await CommandRunner.RunAsync(Environment, "workspace", "create");
        Assert.Equal(64, missing.ExitCode);
        Assert.Contains("--name", missing.Errors);
        Assert.Contains("workspace create --help", missing.Errors);

        var invalid = await CommandRunner.RunAsync(Environment, "workspace", "create", "--name", "Acme", "--concurrency-limit", "0");
        Assert.Equal(64, invalid.ExitCode);
        Assert.Contains("--concurrency-limit", invalid.Errors);
    }

    [Fact]
    public async Task BadSettingsAndAnUnreachableDatabaseAreNamed()
    {
        var settings = await CommandRunner.RunAsync(new Dictionary<string, string?>(Environment) { ["SERVICE_PORT"] = "eighty" }, "migrate");
        Assert.Equal(2, settings.ExitCode);
        Assert.Contains("SERVICE_PORT", settings.Errors);

        var port = ServiceProcess.FreePort();
        var unreachable = await CommandRunner.RunAsync(
            new Dictionary<string, string?> { ["DATABASE_URL"] = $"postgres://user:pw@127.0.0.1:{port}/none" }, "migrate");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("DATABASE_URL", unreachable.Errors);
        Assert.DoesNotContain("Unhandled exception", unreachable.Errors);
    }

    [Fact]
    public async Task WorkspaceCreateAndRotateKeyPrintAKeyTheServiceAccepts()
    {
        Assert.Equal(0, (await CommandRunner.RunAsync(Environment, "migrate")).ExitCode);
        var created = await CommandRunner.RunAsync(Environment, "workspace", "create", "--name", "Acme", "--id", "ws_cli");
        Assert.True(created.ExitCode == 0, created.Errors);
        var firstKey = KeyIn(created.Output);

        var rotated = await CommandRunner.RunAsync(Environment, "workspace", "rotate-key", "ws_cli");
        Assert.True(rotated.ExitCode == 0, rotated.Errors);
        var secondKey = KeyIn(rotated.Output);
        Assert.NotEqual(firstKey, secondKey);

        var missing = await CommandRunner.RunAsync(Environment, "workspace", "rotate-key", "ws_nobody");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("ws_nobody", missing.Errors);

        var duplicate = await CommandRunner.RunAsync(Environment, "workspace", "create", "--name", "Acme", "--id", "ws_cli");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("already exists", duplicate.Errors);

        // The printed key is the workspace's key: the service takes it, and no longer takes the old one.
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string?>(Environment) { ["ELEVENLABS_API_KEY"] = "test-key" });
        using var client = service.CreateClient(secondKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("calls")).StatusCode);
        using var stale = service.CreateClient(firstKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("calls")).StatusCode);
    }

    private static string KeyIn(string output)
    {
        var line = output.Split('\n').Single(l => l.StartsWith("API key", StringComparison.Ordinal));
        return line[(line.LastIndexOf(' ') + 1)..].Trim();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
