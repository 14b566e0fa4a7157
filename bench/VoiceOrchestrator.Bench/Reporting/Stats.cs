namespace VoiceOrchestrator.Bench.Reporting;

internal readonly record struct MinMedianMax(double Min, double Median, double Max)
{
    public static MinMedianMax Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new MinMedianMax(sorted[0], median, sorted[^1]);
    }
}
