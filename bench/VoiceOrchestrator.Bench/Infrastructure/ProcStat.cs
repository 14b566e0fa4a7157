using System.Globalization;

namespace VoiceOrchestrator.Bench.Infrastructure;

/// <summary>
/// CPU accounting from /proc, to tell the measured work from anything else running on the machine
/// (other processes compete for the same cores and show up in the figures).
/// </summary>
internal static class ProcStat
{
    private static readonly Lazy<double> TicksPerSecond = new(() =>
        ProcessRunner.FirstLineAsync("getconf", "CLK_TCK").GetAwaiter().GetResult() is { } text
            && double.TryParse(text, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100);

    /// <summary>A reading of the whole machine: busy and total CPU time over all cores since boot.</summary>
    public readonly record struct MachineSample(double BusySeconds, double TotalSeconds)
    {
        /// <summary>Cores kept busy on average between two samples (0 to the number of cores).</summary>
        public double BusyCoresSince(MachineSample earlier)
        {
            var total = TotalSeconds - earlier.TotalSeconds;
            return total <= 0 ? 0 : (BusySeconds - earlier.BusySeconds) / total * Environment.ProcessorCount;
        }

        /// <summary>CPU time used by the whole machine between two samples.</summary>
        public TimeSpan BusySince(MachineSample earlier) => TimeSpan.FromSeconds(BusySeconds - earlier.BusySeconds);
    }

    public static MachineSample Machine()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Take(8).Sum();
            return new MachineSample((total - idle) / TicksPerSecond.Value, total / TicksPerSecond.Value);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>This process's nice value (the service and database servers it starts inherit it), or null.</summary>
    public static int? Niceness()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The 1-minute load average, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU time (user + system) of a process and its children, e.g. a postmaster and its backends:
    /// live children count with their own time, exited ones through the parent's cutime and cstime.
    /// </summary>
    public static TimeSpan ProcessTreeCpu(int rootPid)
    {
        var ticks = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // After the ")" that ends the command name, from field 3 (state) on: ppid is [1], utime [11],
                // stime [12], cutime [13], cstime [14] (proc(5) fields 4, 14-17).
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == rootPid || ppid == rootPid)
                {
                    ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                }

                if (pid == rootPid)
                {
                    ticks += double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                // The process went away meanwhile.
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond.Value);
    }
}
