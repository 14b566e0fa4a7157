using System.Diagnostics;
using System.Text;

namespace VoiceOrchestrator.Bench.Infrastructure;

internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs a short-lived tool to completion within a time limit, collecting stdout and stderr together.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string file, IReadOnlyList<string> args, TimeSpan timeout, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Describe(file, args)} did not finish within {timeout.TotalSeconds:0} s:\n{Text(output)}");
        }

        return new ProcessResult(process.ExitCode, Text(output));
    }

    /// <summary>The first line a tool prints, or null when it cannot be run; for version strings and such.</summary>
    public static async Task<string?> FirstLineAsync(string file, params string[] args)
    {
        try
        {
            var result = await RunAsync(file, args, TimeSpan.FromSeconds(30));
            return result.ExitCode == 0 ? result.Output.Split('\n', StringSplitOptions.TrimEntries)[0] : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return null;
        }
    }

    public static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public static string Describe(string file, IEnumerable<string> args) => string.Join(' ', args.Prepend(file).Select(ShellQuote));

    public static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@%+,".Contains(c))
            ? value
            : "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
