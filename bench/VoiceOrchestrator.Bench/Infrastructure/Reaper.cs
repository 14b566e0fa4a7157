using System.Diagnostics;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>
/// A safety net for child servers: a detached shell that waits for the bench process to die and then
/// runs a cleanup script (stop the server, delete its files). Normal runs dispose it after their own
/// cleanup; it only acts when the bench is killed without running its finally blocks.
/// </summary>
internal sealed class Reaper : IDisposable
{
    private readonly Process? _shell;

    private Reaper(Process? shell) => _shell = shell;

    public static Reaper Arm(string cleanupScript)
    {
        var script =
            "exec </dev/null >/dev/null 2>&1\n" +
            $"while kill -0 {Environment.ProcessId}; do sleep 1; done\n" +
            cleanupScript + "\n";
        var setsid = ProcessRunner.FindOnPath("setsid");
        var startInfo = new ProcessStartInfo(setsid ?? "/bin/sh") { UseShellExecute = false };
        if (setsid is not null)
        {
            startInfo.ArgumentList.Add("/bin/sh");
        }

        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(script);
        try
        {
            return new Reaper(Process.Start(startInfo));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new Reaper(null); // Only a safety net; the normal cleanup still runs.
        }
    }

    public void Dispose()
    {
        if (_shell is null)
        {
            return;
        }

        ProcessRunner.Kill(_shell);
        _shell.Dispose();
    }
}
