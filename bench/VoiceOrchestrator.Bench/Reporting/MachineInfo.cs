using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using VoiceOrchestrator.Bench.Infrastructure;

namespace VoiceOrchestrator.Bench.Reporting;

/// <summary>Where and with what the figures were taken, for the record in BENCHMARKS.md.</summary>
internal sealed record MachineInfo(
    DateTimeOffset Date, int Cores, string CpuModel, string Memory, string OperatingSystem, string Runtime, string? Sdk, string? Commit)
{
    public static async Task<MachineInfo> CollectAsync(string repositoryRoot)
    {
        var cpu = ReadField("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadField("/proc/meminfo", "MemTotal", ':') is { } total && long.TryParse(total.Split(' ')[0], CultureInfo.InvariantCulture, out var kb)
            ? $"{kb / 1024.0 / 1024.0:0.0} GiB"
            : "unknown";
        var os = (ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription)
            + (ReadFirstLine("/proc/sys/kernel/osrelease") is { } kernel ? $", kernel {kernel}" : "");
        var sdk = await ProcessRunner.FirstLineAsync(ProcessRunner.FindOnPath("dotnet") ?? "dotnet", "--version");
        var commit = await ProcessRunner.FirstLineAsync("git", "--no-optional-locks", "-C", repositoryRoot, "rev-parse", "--short", "HEAD");
        if (commit is not null)
        {
            var status = await ProcessRunner.RunAsync("git", ["--no-optional-locks", "-C", repositoryRoot, "status", "--porcelain", "--untracked-files=all", "--", "src/VoiceOrchestrator"], TimeSpan.FromSeconds(30));
            commit += status.ExitCode == 0 && status.Output.Trim().Length > 0 ? " (service source with uncommitted changes)" : "";
        }

        return new MachineInfo(DateTimeOffset.UtcNow, Environment.ProcessorCount, cpu, memory, os, RuntimeInformation.FrameworkDescription, sdk, commit);
    }

    /// <summary>GC mode the service runs with, from its runtimeconfig.json (the Web SDK defaults to server GC).</summary>
    public static string ServiceGcMode(string serviceAssembly)
    {
        try
        {
            var config = Path.ChangeExtension(serviceAssembly, ".runtimeconfig.json");
            var node = JsonNode.Parse(File.ReadAllText(config));
            var server = node?["runtimeOptions"]?["configProperties"]?["System.GC.Server"]?.GetValue<bool>();
            var concurrent = node?["runtimeOptions"]?["configProperties"]?["System.GC.Concurrent"]?.GetValue<bool>();
            return (server == true ? "server GC" : "workstation GC") + (concurrent == false ? ", non-concurrent" : "");
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return "GC mode unknown";
        }
    }

    public string Describe() =>
        $"{Cores} cores ({CpuModel}), {Memory} RAM, {OperatingSystem}; {Runtime}" + (Sdk is null ? "" : $" (SDK {Sdk})");

    private static string? ReadField(string file, string name, char separator)
    {
        try
        {
            return File.ReadLines(file)
                .Select(line => line.Split(separator, 2))
                .Where(parts => parts.Length == 2 && parts[0].Trim() == name)
                .Select(parts => parts[1].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadFirstLine(string file)
    {
        try
        {
            return File.ReadLines(file).FirstOrDefault()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
