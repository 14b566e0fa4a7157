using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>
/// What can be checked of the container set-up without a container engine: the compose file and
/// the Dockerfile say what they should, and the published app starts from its publish folder with
/// the compose file's own environment for the service (hosts swapped for loopback ones).
/// </summary>
[Collection(OperationsCollections.Container)]
public sealed partial class ContainerTests(PostgresFixture postgres)
{
    [Fact]
    public void TheComposeFileRunsPostgresTheServiceAndTheEmulator()
    {
        var services = Compose();

        Assert.Equal(["emulator", "postgres", "service"], services.Keys.Order());
        Assert.StartsWith("postgres:", Scalar(services["postgres"], "image"));
        Assert.Contains("pg_isready", string.Join(' ', ((YamlSequenceNode)Map(services["postgres"], "healthcheck").Children[new YamlScalarNode("test")]).Select(n => n.ToString())));
        Assert.Equal("service", Scalar(Map(services["service"], "build"), "target"));
        Assert.Equal("emulator", Scalar(Map(services["emulator"], "build"), "target"));
        Assert.Equal("service_healthy", Scalar(Map(Map(services["service"], "depends_on"), "postgres"), "condition"));

        var environment = ServiceEnvironment();
        Assert.Matches("^postgresql://[^@]+@postgres:5432/", environment["DATABASE_URL"]);
        Assert.Equal("http://emulator:5050", environment["ELEVENLABS_BASE_URL"]);
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);
        var emulator = Map(services["emulator"], "environment");
        Assert.Equal("http://service:3000/webhooks/elevenlabs", Scalar(emulator, "SIM_WEBHOOK_URL"));
        // Both sides must sign and check with the same secret.
        Assert.Equal(Scalar(emulator, "SIM_WEBHOOK_SECRET"), Scalar(Map(services["service"], "environment"), "ELEVENLABS_WEBHOOK_SECRET"));
    }

    [Fact]
    public void TheDockerfileIsMultiStageNonRootAndHealthChecked()
    {
        var lines = File.ReadAllLines(Path.Combine(Root(), "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.True(stages.Count >= 3, "expected a build stage and two runtime stages");
        Assert.Contains(stages, s => s.Contains("/sdk:", StringComparison.Ordinal) && s.EndsWith(" AS build", StringComparison.Ordinal));
        Assert.Contains(stages, s => s.Contains("/aspnet:", StringComparison.Ordinal) && s.EndsWith(" AS service", StringComparison.Ordinal));
        var serviceStage = lines.SkipWhile(l => !l.EndsWith(" AS service", StringComparison.Ordinal)).ToList();
        var user = serviceStage.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch("USER (root|0)$", user);
        Assert.Contains(serviceStage, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains("--interval", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"VoiceOrchestrator.dll\", \"health\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThePublishedAppStartsWithTheComposeEnvironmentAndAnswersHealth()
    {
        var publish = Directory.CreateTempSubdirectory("vo-publish-").FullName;
        try
        {
            var built = await RunAsync("dotnet", ["publish", Path.Combine(Root(), "src", "VoiceOrchestrator", "VoiceOrchestrator.csproj"), "-c", "Release", "--no-build", "-o", publish], Root());
            Assert.True(built.ExitCode == 0, built.Output);
            Assert.True(File.Exists(Path.Combine(publish, "VoiceOrchestrator.dll")));

            await using var emulator = await SimulatorApp.StartAsync(new SimulatorOptions());
            using var database = await TestDatabase.CreateAsync(DatabaseKind.Postgres, postgres);
            var port = ServiceProcess.FreePort();
            var environment = ServiceEnvironment();
            // The compose hosts (postgres, emulator) do not exist here: the same variables, pointed at loopback.
            environment["DATABASE_URL"] = database.DatabaseUrl;
            environment["ELEVENLABS_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/');
            environment["SERVICE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";

            var start = new ProcessStartInfo("dotnet", [Path.Combine(publish, "VoiceOrchestrator.dll")])
            {
                WorkingDirectory = publish, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            using var process = Process.Start(start)!;
            var output = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
                var healthy = false;
                for (var attempt = 0; attempt < 300 && !healthy && !process.HasExited; attempt++)
                {
                    try
                    {
                        healthy = (await http.GetAsync("health/ready")).StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(100);
                    }
                }

                Assert.True(healthy, $"the published app did not become ready:\n{output}");
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);

                // The container's HEALTHCHECK command, run from the publish folder with the same environment.
                var check = await RunAsync("dotnet", [Path.Combine(publish, "VoiceOrchestrator.dll"), "health"], publish, environment);
                Assert.True(check.ExitCode == 0, check.Output);
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            var down = await RunAsync("dotnet", [Path.Combine(publish, "VoiceOrchestrator.dll"), "health"], publish, environment);
            Assert.Equal(1, down.ExitCode);
        }
        finally
        {
            Directory.Delete(publish, recursive: true);
        }
    }

    /// <summary>The service's environment in compose.yaml, with <c>${NAME:-default}</c> taken at its default.</summary>
    private static Dictionary<string, string?> ServiceEnvironment() =>
        Map(Compose()["service"], "environment").Children.ToDictionary(
            e => e.Key.ToString(),
            e => (string?)Interpolation().Replace(e.Value.ToString(), m => m.Groups[2].Value));

    private static Dictionary<string, YamlMappingNode> Compose()
    {
        using var reader = new StreamReader(Path.Combine(Root(), "compose.yaml"));
        var yaml = new YamlStream();
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        return Map(root, "services").Children.ToDictionary(s => s.Key.ToString(), s => (YamlMappingNode)s.Value);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => node.Children[new YamlScalarNode(key)].ToString();

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string directory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VoiceOrchestrator.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Cannot find the repository root");
    }

    [GeneratedRegex(@"\$\{([A-Z_]+):-([^}]*)\}")]
    private static partial Regex Interpolation();
}
