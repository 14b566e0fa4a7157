using System.Collections.Concurrent;

namespace VoiceOrchestrator.Simulator;

/// <summary>What the Twilio side has seen in one epoch; <see cref="Snapshot"/> is <c>GET /_sim/twilio/stats</c>.</summary>
internal sealed class TwilioCounters
{
    private readonly Lock _rateGate = new();
    private readonly Queue<long> _recentCreates = new();
    private readonly ConcurrentDictionary<string, int> _callsByNumber = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _registeredByNumber = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _bridgedByNumber = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _answeredBy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _endings = new(StringComparer.Ordinal);
    private long _createRequests;
    private long _callsCreated;
    private long _rejected;
    private long _updates;
    private long _machinesHungUp;
    private long _machinesBridged;
    private long _twimlFetches;
    private long _callbacksSent;
    private long _callbacksFailed;
    private int _maxCreatesPerSecond;
    private DateTimeOffset? _firstCreatedAt;
    private DateTimeOffset? _lastCreatedAt;

    public void CreateRequested() => Interlocked.Increment(ref _createRequests);

    public void Rejected() => Interlocked.Increment(ref _rejected);

    public void Created(string to)
    {
        Interlocked.Increment(ref _callsCreated);
        _callsByNumber.AddOrUpdate(to, 1, static (_, count) => count + 1);
        lock (_rateGate)
        {
            var now = Environment.TickCount64;
            _recentCreates.Enqueue(now);
            while (_recentCreates.Peek() <= now - 1000)
            {
                _recentCreates.Dequeue();
            }

            _maxCreatesPerSecond = Math.Max(_maxCreatesPerSecond, _recentCreates.Count);
            _firstCreatedAt ??= DateTimeOffset.UtcNow;
            _lastCreatedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Updated() => Interlocked.Increment(ref _updates);

    public void Registered(string to) => _registeredByNumber.AddOrUpdate(to, 1, static (_, count) => count + 1);

    public void Bridged(string to, TwilioAnswer answer)
    {
        _bridgedByNumber.AddOrUpdate(to, 1, static (_, count) => count + 1);
        if (answer is TwilioAnswer.Machine or TwilioAnswer.Fax)
        {
            Interlocked.Increment(ref _machinesBridged);
        }
    }

    public void AmdDecided(string answeredBy) => _answeredBy.AddOrUpdate(answeredBy, 1, static (_, count) => count + 1);

    public void MachineHungUp() => Interlocked.Increment(ref _machinesHungUp);

    public void Ended(string status) => _endings.AddOrUpdate(status, 1, static (_, count) => count + 1);

    public void TwimlFetched() => Interlocked.Increment(ref _twimlFetches);

    public void CallbackDelivered(bool delivered)
    {
        if (delivered)
        {
            Interlocked.Increment(ref _callbacksSent);
        }
        else
        {
            Interlocked.Increment(ref _callbacksFailed);
        }
    }

    public TwilioStatsSnapshot Snapshot(int activeCalls) => new(
        activeCalls,
        Interlocked.Read(ref _createRequests),
        Interlocked.Read(ref _callsCreated),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _updates),
        new SortedDictionary<string, int>(_callsByNumber, StringComparer.Ordinal),
        new SortedDictionary<string, int>(_registeredByNumber, StringComparer.Ordinal),
        new SortedDictionary<string, int>(_bridgedByNumber, StringComparer.Ordinal),
        new SortedDictionary<string, int>(_answeredBy, StringComparer.Ordinal),
        new SortedDictionary<string, int>(_endings, StringComparer.Ordinal),
        _bridgedByNumber.Values.Sum(),
        Interlocked.Read(ref _machinesHungUp),
        Interlocked.Read(ref _machinesBridged),
        Interlocked.Read(ref _twimlFetches),
        Interlocked.Read(ref _callbacksSent),
        Interlocked.Read(ref _callbacksFailed),
        Volatile.Read(ref _maxCreatesPerSecond),
        FirstLast().First,
        FirstLast().Last);

    private (DateTimeOffset? First, DateTimeOffset? Last) FirstLast()
    {
        lock (_rateGate)
        {
            return (_firstCreatedAt, _lastCreatedAt);
        }
    }
}

/// <summary>
/// The Twilio side's statistics since start or reset (<c>GET /_sim/twilio/stats</c>).
/// </summary>
/// <param name="ActiveCalls">Calls created and not finished.</param>
/// <param name="CreateRequests">POSTs to Calls.json, whatever their answer.</param>
/// <param name="CallsCreated">Calls created (answered 201).</param>
/// <param name="Rejected">Create requests refused (auth, validation).</param>
/// <param name="Updates">Accepted updates of live calls (redirects, hang-ups).</param>
/// <param name="CallsByNumber">Calls created per destination number.</param>
/// <param name="RegisteredByNumber">ElevenLabs register-call requests per destination number.</param>
/// <param name="BridgedByNumber">Calls connected to the agent (their stream started) per destination number.</param>
/// <param name="AnsweredBy">AMD results sent, by <c>AnsweredBy</c> value.</param>
/// <param name="Endings">Finished calls by final status.</param>
/// <param name="Bridged">Calls connected to the agent.</param>
/// <param name="MachinesHungUp">Calls answered by a machine or fax that the client hung up without connecting the agent.</param>
/// <param name="MachinesBridged">Calls answered by a machine or fax that were connected to the agent anyway.</param>
/// <param name="TwimlFetches">TwiML documents fetched from a call's <c>Url</c>.</param>
/// <param name="CallbacksSent">Status, AMD and TwiML requests answered 2xx.</param>
/// <param name="CallbacksFailed">Status, AMD and TwiML requests that failed.</param>
/// <param name="MaxCreatesPerSecond">Most calls created within any one second, as they arrived (network delays can bunch requests sent apart).</param>
/// <param name="FirstCreatedAt">When the first call was created.</param>
/// <param name="LastCreatedAt">When the last call was created: with <see cref="FirstCreatedAt"/>, the client's average pace.</param>
public sealed record TwilioStatsSnapshot(
    int ActiveCalls,
    long CreateRequests,
    long CallsCreated,
    long Rejected,
    long Updates,
    IReadOnlyDictionary<string, int> CallsByNumber,
    IReadOnlyDictionary<string, int> RegisteredByNumber,
    IReadOnlyDictionary<string, int> BridgedByNumber,
    IReadOnlyDictionary<string, int> AnsweredBy,
    IReadOnlyDictionary<string, int> Endings,
    int Bridged,
    long MachinesHungUp,
    long MachinesBridged,
    long TwimlFetches,
    long CallbacksSent,
    long CallbacksFailed,
    int MaxCreatesPerSecond,
    DateTimeOffset? FirstCreatedAt,
    DateTimeOffset? LastCreatedAt);
