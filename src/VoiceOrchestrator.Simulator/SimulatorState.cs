using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The emulated provider's state, safe to use from any thread: settings, statistics, conversations and batch calls.
/// Tests and the service's demo mode drive the simulator through this object or through the <c>/_sim</c> HTTP API.
/// </summary>
public sealed class SimulatorState
{
    private readonly Lock _configLock = new();
    private volatile SimulatorOptions _options;
    private volatile SimulationEpoch _epoch = new();
    private volatile OutcomeDraws _draws;
    private volatile IReadOnlyList<BatchCallRecord> _batchCalls = [];

    internal SimulatorState(SimulatorOptions options, ILoggerFactory loggerFactory)
    {
        _options = SimulatorOptionsValidator.Validated(options);
        _draws = new OutcomeDraws(_options.Seed);
        Scheduler = new DueWorkScheduler(loggerFactory.CreateLogger<DueWorkScheduler>());
        Webhooks = new WebhookDispatcher(_options.WebhookParallelism, loggerFactory.CreateLogger<WebhookDispatcher>());
        Lifecycle = new CallLifecycle(this, Scheduler, Webhooks);
        Twilio = new TwilioSide(this, loggerFactory.CreateLogger<TwilioSide>());
    }

    /// <summary>The emulated Twilio account (Calls API, AMD, status callbacks).</summary>
    public TwilioSide Twilio { get; }

    /// <summary>The emulated generic provider of the AI Call Orchestrator (its calls and callbacks).</summary>
    public GenericProviderState Generic { get; } = new();

    /// <summary>The settings in force (a validated copy of what was configured).</summary>
    public SimulatorOptions Options => _options;

    /// <summary>Calls placed through the API that have not ended.</summary>
    public int ActiveCalls => _epoch.ActiveCalls;

    /// <summary>The batch calls <c>GET /v1/convai/batch-calling/workspace</c> reports.</summary>
    public IReadOnlyList<BatchCallRecord> BatchCalls => _batchCalls;

    internal SimulationEpoch Epoch => _epoch;

    internal OutcomeDraws Draws => _draws;

    internal DueWorkScheduler Scheduler { get; }

    internal WebhookDispatcher Webhooks { get; }

    internal CallLifecycle Lifecycle { get; }

    /// <summary>Replaces the settings. Calls already placed keep their decided outcome and duration.</summary>
    /// <exception cref="ArgumentException">When a setting is out of range; nothing changes then.</exception>
    public SimulatorOptions Configure(SimulatorOptions options) => Configure(_ => options);

    /// <summary>Changes the settings atomically, e.g. <c>state.Configure(o =&gt; o with { RingMs = 0 })</c>.</summary>
    /// <exception cref="ArgumentException">When a setting is out of range; nothing changes then.</exception>
    public SimulatorOptions Configure(Func<SimulatorOptions, SimulatorOptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_configLock)
        {
            var previous = _options;
            var next = SimulatorOptionsValidator.Validated(change(previous));
            _options = next;
            if (next.Seed != previous.Seed)
            {
                _draws = new OutcomeDraws(next.Seed);
            }

            return next;
        }
    }

    /// <summary>Applies a partial JSON object of camelCase settings (the body of <c>PUT /_sim/config</c>).</summary>
    /// <exception cref="ArgumentException">Unknown setting or invalid value; nothing changes then.</exception>
    public SimulatorOptions Configure(JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return Configure(current => SimulatorOptionsJson.Merge(current, patch));
    }

    /// <summary>
    /// Forgets all calls, conversations, batch calls and statistics; settings stay. Calls in flight vanish
    /// without webhooks, and the seeded draw sequence starts over.
    /// </summary>
    public void Reset()
    {
        lock (_configLock)
        {
            _epoch = new SimulationEpoch();
            _draws = new OutcomeDraws(_options.Seed);
            _batchCalls = [];
        }

        Twilio.Reset();
    }

    public SimulatorStatsSnapshot GetStats()
    {
        var epoch = _epoch;
        return epoch.Counters.Snapshot(epoch.ActiveCalls, epoch.MaxConcurrency, _options);
    }

    public ConversationSnapshot? FindConversation(string conversationId)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return _epoch.Conversations.Find(conversationId) is { } conversation ? ConversationSnapshot.Of(conversation) : null;
    }

    /// <summary>All stored conversations, newest first.</summary>
    public IReadOnlyList<ConversationSnapshot> GetConversations() =>
        [.. _epoch.Conversations.NewestFirst().Select(ConversationSnapshot.Of)];

    /// <summary>Replaces the batch-call list; missing ids and timestamps are filled in.</summary>
    public void SetBatchCalls(IEnumerable<BatchCallRecord> batchCalls)
    {
        ArgumentNullException.ThrowIfNull(batchCalls);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _batchCalls = [.. batchCalls.Select(batchCall => batchCall.WithDefaults(now))];
    }

    /// <summary>Adds <paramref name="count"/> finished conversations, one minute apart, ending now; they place no calls and send no webhooks.</summary>
    public IReadOnlyList<string> SeedConversations(int count, string agentId = "agent_simulated", string toNumber = "+15550100000")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentException.ThrowIfNullOrEmpty(toNumber);
        return Lifecycle.SeedFinished(count, agentId, toNumber, _options);
    }

    /// <summary>Runs the call scheduler and the webhook workers until <paramref name="stoppingToken"/> fires.</summary>
    internal Task RunAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Scheduler.RunAsync(Lifecycle.Handle, stoppingToken), Webhooks.RunAsync(stoppingToken));
}
