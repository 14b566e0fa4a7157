using System.Globalization;
using System.Text;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, as a scraper reads it: every
/// sample must belong to a family declared by # TYPE, names and labels must be well formed, values
/// must be numbers, and histograms must have cumulative buckets ending in +Inf equal to _count.
/// Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public sealed class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public Dictionary<string, string> TypeOf { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> HelpOf { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string? this[string label] => Labels.GetValueOrDefault(label);
    }

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var lines = text.Split('\n');
        if (lines[^1].Length != 0)
        {
            throw new FormatException("The exposition must end with a line feed.");
        }

        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            try
            {
                result.ParseLine(line);
            }
            catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException)
            {
                throw new FormatException($"line {i + 1} '{line}': {ex.Message}", ex);
            }
        }

        result.CheckHistograms();
        return result;
    }

    /// <summary>The samples of one name, optionally with the given label values.</summary>
    public List<Sample> Find(string name, params (string Label, string Value)[] labels) =>
        [.. Samples.Where(s => s.Name == name && labels.All(l => s[l.Label] == l.Value))];

    public double Value(string name, params (string Label, string Value)[] labels)
    {
        var found = Find(name, labels);
        return found.Count == 1 ? found[0].Value : throw new InvalidOperationException($"{found.Count} samples of {name} {string.Join(",", labels)}");
    }

    public double Sum(string name, params (string Label, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    private void ParseLine(string line)
    {
        if (line.Length == 0)
        {
            return;
        }

        if (line.StartsWith('#'))
        {
            var parts = line.Split(' ', 4);
            if (parts.Length >= 3 && parts[1] == "TYPE")
            {
                RequireName(parts[2]);
                if (parts.Length != 4 || !Types.Contains(parts[3]))
                {
                    throw new FormatException("bad TYPE");
                }

                if (!TypeOf.TryAdd(parts[2], parts[3]) || Samples.Any(s => FamilyOf(s.Name) == parts[2]))
                {
                    throw new FormatException("TYPE repeated or after the family's samples");
                }
            }
            else if (parts.Length >= 3 && parts[1] == "HELP")
            {
                RequireName(parts[2]);
                HelpOf[parts[2]] = parts.Length == 4 ? parts[3] : "";
            }

            return;
        }

        var position = 0;
        var name = ReadName(line, ref position);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var label = ReadName(line, ref position);
                Expect(line, ref position, '=');
                Expect(line, ref position, '"');
                var value = new StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        value.Append(line[position] switch
                        {
                            'n' => '\n',
                            '\\' => '\\',
                            '"' => '"',
                            _ => throw new FormatException("bad escape in a label value"),
                        });
                    }
                    else
                    {
                        value.Append(line[position]);
                    }

                    position++;
                }

                position++;
                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label {label} repeated");
                }

                if (line[position] == ',')
                {
                    position++;
                }
            }

            position++;
        }

        Expect(line, ref position, ' ');
        var rest = line[position..].Split(' ');
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException("expected a value and an optional timestamp");
        }

        var number = Number(rest[0]);
        var family = FamilyOf(name);
        if (!TypeOf.TryGetValue(family, out var type))
        {
            throw new FormatException($"sample of {name} without a # TYPE line");
        }

        if (type == "histogram" && name == family)
        {
            throw new FormatException("a histogram sample must be _bucket, _sum or _count");
        }

        if (type == "counter" && number < 0)
        {
            throw new FormatException("a counter is negative");
        }

        Samples.Add(new Sample(name, labels, number));
    }

    private string FamilyOf(string name)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && TypeOf.TryGetValue(name[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in TypeOf.Where(t => t.Value == "histogram"))
        {
            var series = Samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value)));
            foreach (var buckets in series)
            {
                var ordered = buckets.Select(b => (Le: Number(b["le"] ?? throw new FormatException($"{family}: a bucket without le")), b.Value))
                    .OrderBy(b => b.Le).ToList();
                if (!double.IsPositiveInfinity(ordered[^1].Le))
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: no +Inf bucket");
                }

                for (var i = 1; i < ordered.Count; i++)
                {
                    if (ordered[i].Value < ordered[i - 1].Value)
                    {
                        throw new FormatException($"{family}{{{buckets.Key}}}: buckets are not cumulative");
                    }
                }

                var count = Samples.Single(s => s.Name == family + "_count" && Key(s) == buckets.Key);
                Samples.Single(s => s.Name == family + "_sum" && Key(s) == buckets.Key);
                if (count.Value != ordered[^1].Value)
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: _count differs from the +Inf bucket");
                }
            }
        }
    }

    private static double Number(string raw) => raw switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new FormatException($"'{raw}' is not a number"),
    };

    private static string Key(Sample sample) => string.Join(",", sample.Labels.OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value));

    private static string ReadName(string line, ref int position)
    {
        var start = position;
        while (position < line.Length && (char.IsAsciiLetterOrDigit(line[position]) || line[position] is '_' or ':'))
        {
            position++;
        }

        var name = line[start..position];
        RequireName(name);
        return name;
    }

    private static void RequireName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new FormatException($"'{name}' is not a metric or label name");
        }
    }

    private static void Expect(string line, ref int position, char expected)
    {
        if (position >= line.Length || line[position] != expected)
        {
            throw new FormatException($"expected '{expected}' at column {position + 1}");
        }

        position++;
    }
}
