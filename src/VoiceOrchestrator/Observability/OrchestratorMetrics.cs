using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// Every instrument of the service, in one place. Counters and histograms are recorded by the code
/// that sees the event (one call each); gauges are read when metrics are collected, from this
/// process's state and from <see cref="MetricsSnapshot"/> (database counts shared by all instances).
/// Names follow OpenTelemetry conventions; the Prometheus exposition turns dots into underscores.
/// </summary>
public sealed class OrchestratorMetrics
{
    public const string MeterName = "VoiceOrchestrator";

    private readonly Counter<long> _dials;
    private readonly Histogram<double> _providerDuration;
    private readonly Counter<long> _providerAnswers;
    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _reconciliations;
    private readonly RateWindow _dialRate = new(TimeProvider.System);

    public OrchestratorMetrics(IMeterFactory meters, MetricsSnapshot snapshot, DispatcherLeaseKeeper lease, IOptions<OrchestratorOptions> options)
    {
        Meter = meters.Create(MeterName);
        var settings = options.Value;

        _dials = Meter.CreateCounter<long>("orchestrator.dials", "{dial}", "Call-creating requests sent to the provider, by HTTP answer class.");
        _providerDuration = Meter.CreateHistogram<double>("orchestrator.provider.request.duration", "s", "Time for the provider to answer, by operation and answer class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _providerAnswers = Meter.CreateCounter<long>("orchestrator.provider.answers", "{answer}", "Provider answers by operation and class (2xx, 4xx, 429, 5xx, timeout, unreachable).");
        _webhooks = Meter.CreateCounter<long>("orchestrator.webhooks", "{webhook}", "Provider webhooks received, by provider and result.");
        _retries = Meter.CreateCounter<long>("orchestrator.retries", "{retry}", "Calls put back in the queue to be dialed again, by reason.");
        _reconciliations = Meter.CreateCounter<long>("orchestrator.reconciliations", "{call}", "Calls whose lease ran out and were settled by asking the provider.");

        Meter.CreateObservableGauge("orchestrator.dials.rate", () => _dialRate.PerSecond(), "{dial}/s", "Dials per second sent by this instance over the last 10 seconds.");
        Meter.CreateObservableGauge("orchestrator.dials.rate.limit", () => settings.DialsPerSecond, "{dial}/s", "DIALS_PER_SECOND; 0 means no cap.");
        Meter.CreateObservableGauge("orchestrator.calls", () => snapshot.CallsByWorkspaceAndState(), "{call}", "Calls stored, by workspace and state.");
        Meter.CreateObservableGauge("orchestrator.queue.depth", () => snapshot.QueueDepth(), "{call}", "Queued calls, by lane and priority.");
        Meter.CreateObservableGauge("orchestrator.slots.used", () => snapshot.SlotsInUse, "{slot}", "Calls holding a provider slot (dialing, ringing, in progress), all instances.");
        Meter.CreateObservableGauge("orchestrator.slots.limit", () => settings.ConcurrencyLimit, "{slot}", "The provider concurrency limit (ELEVENLABS_CONCURRENCY_LIMIT).");
        Meter.CreateObservableGauge("orchestrator.dispatcher.lease.held", () => new Measurement<int>(lease.IsHeld ? 1 : 0, new KeyValuePair<string, object?>("instance", lease.InstanceId)),
            "{lease}", "1 when this instance holds the dispatcher lease.");
        Meter.CreateObservableGauge("orchestrator.dispatcher.lease.holder", () => snapshot.LeaseHolder(), "{lease}", "The instance holding the dispatcher lease, as the database says (1 per holder).");
    }

    public Meter Meter { get; }

    public static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>One request to the provider finished (or failed) after <paramref name="seconds"/>.</summary>
    public void ProviderAnswered(string operation, string answerClass, double seconds)
    {
        var tags = new TagList { { "operation", operation }, { "class", answerClass } };
        _providerDuration.Record(seconds, tags);
        _providerAnswers.Add(1, tags);
        if (operation == ProviderOperations.OutboundCall)
        {
            _dials.Add(1, new KeyValuePair<string, object?>("class", answerClass));
            _dialRate.Add();
        }
    }

    public void WebhookReceived(string provider, string result) =>
        _webhooks.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("result", result));

    public void Retried(string reason) => _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Reconciled() => _reconciliations.Add(1);
}
