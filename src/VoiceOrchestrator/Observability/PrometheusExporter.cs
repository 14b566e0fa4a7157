using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Writes this service's instruments in the Prometheus text exposition format (version 0.0.4).
/// A <see cref="MeterListener"/> aggregates counters and histograms as they are recorded; gauges
/// are observed at each scrape. Only the service's own meter is listened to, so that two services
/// in one process (as in tests) never mix their figures.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _scrape = new();

    public PrometheusExporter(OrchestratorMetrics metrics)
    {
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                _families[instrument] = new Family(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Scrape()
    {
        lock (_scrape)
        {
            foreach (var family in _families.Values.Where(f => f.IsObservable))
            {
                family.Clear();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.WriteTo(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_families.TryGetValue(instrument, out var family))
        {
            family.Record(value, tags);
        }
    }

    /// <summary>One instrument: its series by label set.</summary>
    private sealed class Family(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly Kind _kind = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> => Kind.Counter,
            Histogram<long> or Histogram<int> or Histogram<double> => Kind.Histogram,
            _ => Kind.Gauge,
        };

        public string Name { get; } = MetricName(instrument);

        public bool IsObservable => instrument.IsObservable;

        public void Clear() => _series.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            var series = _series.GetOrAdd(labels, _ => new Series(_kind == Kind.Histogram ? OrchestratorMetrics.LatencyBuckets.Length : 0));
            lock (series)
            {
                switch (_kind)
                {
                    case Kind.Counter:
                        series.Sum += value;
                        break;
                    case Kind.Histogram:
                        series.Sum += value;
                        series.Count++;
                        var bucket = Array.FindIndex(OrchestratorMetrics.LatencyBuckets, bound => value <= bound);
                        if (bucket >= 0)
                        {
                            series.Buckets[bucket]++;
                        }

                        break;
                    default:
                        series.Sum = value;
                        break;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            var type = _kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" };
            text.Append("# HELP ").Append(Name).Append(' ').Append(EscapeHelp(instrument.Description ?? Name)).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_kind != Kind.Histogram)
                    {
                        Sample(text, Name, labels, series.Sum);
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i < series.Buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        Sample(text, Name + "_bucket", With(labels, "le", Number(OrchestratorMetrics.LatencyBuckets[i])), cumulative);
                    }

                    Sample(text, Name + "_bucket", With(labels, "le", "+Inf"), series.Count);
                    Sample(text, Name + "_sum", labels, series.Sum);
                    Sample(text, Name + "_count", labels, series.Count);
                }
            }
        }

        private static void Sample(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string With(string labels, string name, string value) =>
            (labels.Length > 0 ? labels + "," : "") + name + "=\"" + value + "\"";

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<string>(tags.Length);
            foreach (var (key, value) in tags)
            {
                var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                pairs.Add(SanitizeName(key) + "=\"" + EscapeLabel(text) + "\"");
            }

            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }
    }

    private sealed class Series(int buckets)
    {
        public double Sum;
        public long Count;
        public readonly long[] Buckets = new long[buckets];
    }

    private enum Kind
    {
        Counter,
        Histogram,
        Gauge,
    }

    /// <summary>OpenTelemetry name to Prometheus name: dots to underscores, the unit as a suffix, counters end in _total.</summary>
    public static string MetricName(Instrument instrument)
    {
        var name = SanitizeName(instrument.Name);
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        if (instrument is Counter<long> or Counter<int> or Counter<double> && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    private static string SanitizeName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_' || chars[i] == ':') || (i == 0 && char.IsAsciiDigit(chars[i])))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\").Replace("\n", "\\n");
}
