namespace VoiceOrchestrator.Bench.Reporting;

/// <summary>
/// Keeps the latest results of each scenario in BENCHMARKS.md between
/// <c>&lt;!-- bench:NAME:begin --&gt;</c> and <c>&lt;!-- bench:NAME:end --&gt;</c>; everything outside the
/// markers is hand-written and left alone. A scenario without markers yet is appended at the end.
/// </summary>
internal static class BenchmarksFile
{
    public static void Update(string path, string scenario, string markdown)
    {
        var begin = $"<!-- bench:{scenario}:begin -->";
        var end = $"<!-- bench:{scenario}:end -->";
        var block = $"{begin}\n<!-- Written by `VoiceOrchestrator.Bench {scenario}`; edits inside these markers are overwritten. -->\n{markdown.TrimEnd()}\n{end}";
        var text = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "# Benchmarks\n";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = start < 0 ? -1 : text.IndexOf(end, start, StringComparison.Ordinal);
        text = start >= 0 && stop >= 0
            ? text[..start] + block + text[(stop + end.Length)..]
            : text.TrimEnd() + "\n\n" + block + "\n";

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
