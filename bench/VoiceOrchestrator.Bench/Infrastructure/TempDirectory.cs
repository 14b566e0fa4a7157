namespace VoiceOrchestrator.Bench.Infrastructure;

internal static class TempDirectory
{
    /// <summary>
    /// A fresh directory under /tmp (not $TMPDIR: as root that may sit under a 0700 home the postgres
    /// user cannot reach).
    /// </summary>
    public static string Create(string prefix)
    {
        var parent = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
        var path = Path.Combine(parent, $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not delete {path}: {e.Message}");
        }
    }
}
