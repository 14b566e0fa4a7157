using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The emulated Twilio Programmable Voice account (contract twilio.md §10): calls created through the Calls API ring,
/// are answered (or busy, unanswered, failed) as scripted per number, run their TwiML, report AMD asynchronously and
/// send status callbacks, all signed with <c>X-Twilio-Signature</c> over the exact URL they are sent to. Redirecting a
/// live call to the TwiML of ElevenLabs register-call connects it to the emulated agent.
/// </summary>
public sealed partial class TwilioSide : IDisposable
{
    public const string ApiVersion = "2010-04-01";

    private static readonly TimeSpan RingingAfter = TimeSpan.FromMilliseconds(20);

    private readonly SimulatorState _state;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private volatile TwilioEpoch _epoch = new();

    internal TwilioSide(SimulatorState state, ILogger logger)
    {
        _state = state;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    internal TwilioEpoch Epoch => _epoch;

    public TwilioStatsSnapshot GetStats()
    {
        var epoch = _epoch;
        return epoch.Counters.Snapshot(epoch.Calls.Values.Count(c => !c.IsFinished));
    }

    /// <summary>Forgets every call and count; scripts of calls in flight stop without further callbacks.</summary>
    public void Reset() => Interlocked.Exchange(ref _epoch, new TwilioEpoch()).Dispose();

    public void Dispose()
    {
        _epoch.Dispose();
        _http.Dispose();
    }

    internal SimulatedTwilioCall Create(SimulatedTwilioCall call)
    {
        var epoch = call.Epoch;
        epoch.Calls[call.Sid] = call;
        epoch.Counters.Created(call.To);
        _ = Task.Run(() => RunAsync(call, epoch.Stopping.Token), CancellationToken.None);
        return call;
    }

    /// <summary>The answer scripted for a number: pinned, else the ElevenLabs outcome mix read as a Twilio answer.</summary>
    internal TwilioAnswer AnswerFor(string to, SimulatorOptions options) =>
        options.TwilioNumberAnswers.TryGetValue(to, out var pinned)
            ? pinned
            : TwilioAnswerExtensions.FromCallOutcome(_state.Draws.PlanCall(options, to).Outcome);

    /// <summary><c>Status=completed|canceled</c>: ends the call as the contract's update section describes.</summary>
    internal void HangUp(SimulatedTwilioCall call)
    {
        bool machineHungUp;
        lock (call.Gate)
        {
            machineHungUp = call.AnsweredAt is not null && !call.Bridged && call.Answer is TwilioAnswer.Machine or TwilioAnswer.Fax;
        }

        var ended = call.AnsweredAt is null ? End(call, "canceled", 487) : End(call, "completed", 200);
        if (ended && machineHungUp)
        {
            call.Epoch.Counters.MachineHungUp();
        }
    }

    /// <summary>Runs new TwiML on a live call: a register-call stream connects the agent, Hangup ends, Pause holds.</summary>
    internal void RunTwiml(SimulatedTwilioCall call, string twiml)
    {
        int generation;
        lock (call.Gate)
        {
            if (call.IsFinished)
            {
                return;
            }

            generation = ++call.TwimlGeneration;
        }

        if (StreamUrl().Match(twiml) is { Success: true } stream)
        {
            var token = stream.Groups["url"].Value.TrimEnd('/').Split('/')[^1];
            if (call.Epoch.Registrations.TryRemove(token, out var registration))
            {
                Connect(call, registration);
                return;
            }

            // A stream nobody registered: the media server refuses it and the call ends.
            End(call, "completed", 200);
            return;
        }

        if (twiml.Contains("<Hangup", StringComparison.Ordinal))
        {
            End(call, "completed", 200);
            return;
        }

        var pause = PauseLength().Match(twiml);
        var holdSeconds = pause.Success ? int.Parse(pause.Groups["seconds"].Value, CultureInfo.InvariantCulture) : 0;
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(holdSeconds), call.Epoch.Stopping.Token);
            bool current;
            lock (call.Gate)
            {
                current = call.TwimlGeneration == generation;
            }

            if (current)
            {
                End(call, "completed", 200); // The TwiML ran out: Twilio hangs up.
            }
        }, CancellationToken.None);
    }

    /// <summary><c>Url=</c> on a live call: fetch that TwiML (signed, as every Twilio request) and run it.</summary>
    internal async Task RedirectAsync(SimulatedTwilioCall call, string url)
    {
        try
        {
            var twiml = await FetchTwimlAsync(call, url, call.Epoch.Stopping.Token);
            RunTwiml(call, twiml ?? "<Response><Hangup/></Response>");
        }
        catch (OperationCanceledException)
        {
            // Reset or shutdown.
        }
    }

    private void Connect(SimulatedTwilioCall call, RegisteredCall registration)
    {
        lock (call.Gate)
        {
            call.Bridged = true;
        }

        call.Epoch.Counters.Bridged(call.To, call.Answer);
        var conversation = _state.Lifecycle.StartRegistered(registration, call.Sid, _state.Options, () => End(call, "completed", 200));
        lock (call.Gate)
        {
            call.ConversationId = conversation.ConversationId;
        }
    }

    private async Task RunAsync(SimulatedTwilioCall call, CancellationToken stopping)
    {
        try
        {
            var options = _state.Options;
            SendStatus(call, "initiated", "initiated", null);
            await Task.Delay(RingingAfter, stopping);
            if (!Advance(call, "queued", "ringing"))
            {
                return;
            }

            SendStatus(call, "ringing", "ringing", null);
            await Task.Delay(options.RingMs, stopping);
            switch (call.Answer)
            {
                case TwilioAnswer.Busy:
                    End(call, "busy", 486);
                    return;
                case TwilioAnswer.NoAnswer:
                    End(call, "no-answer", 487);
                    return;
                case TwilioAnswer.Failed:
                    End(call, "failed", 404);
                    return;
            }

            lock (call.Gate)
            {
                if (call.Status != "ringing")
                {
                    return;
                }

                call.Status = "in-progress";
                call.AnsweredAt = DateTimeOffset.UtcNow;
            }

            SendStatus(call, "answered", "in-progress", 200);
            var twiml = call.Twiml;
            if (call.Url is { } url)
            {
                twiml = await FetchTwimlAsync(call, url, stopping);
            }

            RunTwiml(call, twiml ?? "<Response/>");
            if (call.MachineDetection is not null)
            {
                var timeoutMs = call.MachineDetectionTimeoutSecs * 1000;
                var detectionMs = Math.Min(options.TwilioAmdDetectionMs, timeoutMs);
                await Task.Delay(detectionMs, stopping);
                var answeredBy = options.TwilioAmdDetectionMs >= timeoutMs ? "unknown" : call.Answer.AnsweredBy(call.MachineDetection);
                lock (call.Gate)
                {
                    if (call.IsFinished)
                    {
                        return;
                    }

                    call.AnsweredBy = answeredBy;
                }

                call.Epoch.Counters.AmdDecided(answeredBy);
                if (call.AsyncAmd && call.AsyncAmdStatusCallback is { } amdUrl)
                {
                    Send(call, amdUrl,
                    [
                        new("AccountSid", call.AccountSid),
                        new("AnsweredBy", answeredBy),
                        new("CallSid", call.Sid),
                        new("MachineDetectionDuration", detectionMs.ToString(CultureInfo.InvariantCulture)),
                    ]);
                }
            }

            // A machine left alone records the hold TwiML until it runs out (RunTwiml's timer ends the call then).
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Reset or shutdown: the call vanishes.
        }
    }

    private static bool Advance(SimulatedTwilioCall call, string from, string to)
    {
        lock (call.Gate)
        {
            if (call.Status != from)
            {
                return false;
            }

            call.Status = to;
            return true;
        }
    }

    /// <summary>Finishes the call once; true when this call did it. Sends the <c>completed</c> event.</summary>
    private bool End(SimulatedTwilioCall call, string status, int sipResponseCode)
    {
        int? durationSecs = null;
        lock (call.Gate)
        {
            if (call.IsFinished)
            {
                return false;
            }

            call.Status = status;
            call.EndedAt = DateTimeOffset.UtcNow;
            call.TwimlGeneration++;
            if (call.AnsweredAt is { } answeredAt)
            {
                durationSecs = Math.Max(1, (int)Math.Ceiling((call.EndedAt.Value - answeredAt).TotalSeconds));
            }
        }

        call.Epoch.Counters.Ended(status);
        SendStatus(call, "completed", status, sipResponseCode, durationSecs);
        return true;
    }

    private void SendStatus(SimulatedTwilioCall call, string @event, string callStatus, int? sipResponseCode, int? durationSecs = null)
    {
        if (call.StatusCallback is not { } url || !call.StatusEvents.Contains(@event))
        {
            return;
        }

        int sequence;
        lock (call.Gate)
        {
            sequence = call.NextSequence++;
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", call.AccountSid),
            new("ApiVersion", ApiVersion),
            new("CallSid", call.Sid),
            new("CallStatus", callStatus),
            new("CallbackSource", "call-progress-events"),
            new("Called", call.To),
            new("Caller", call.From),
            new("Direction", "outbound-api"),
            new("From", call.From),
            new("SequenceNumber", sequence.ToString(CultureInfo.InvariantCulture)),
            new("Timestamp", Rfc2822(DateTimeOffset.UtcNow)),
            new("To", call.To),
        };
        if (sipResponseCode is { } code)
        {
            form.Add(new("SipResponseCode", code.ToString(CultureInfo.InvariantCulture)));
        }

        if (durationSecs is { } seconds)
        {
            form.Add(new("CallDuration", seconds.ToString(CultureInfo.InvariantCulture)));
            form.Add(new("Duration", ((seconds + 59) / 60).ToString(CultureInfo.InvariantCulture)));
        }

        Send(call, url, form);
    }

    /// <summary>Queues a signed form POST behind the call's earlier callbacks.</summary>
    private void Send(SimulatedTwilioCall call, string url, List<KeyValuePair<string, string>> form)
    {
        lock (call.Gate)
        {
            call.Outbox = call.Outbox.ContinueWith(_ => PostAsync(call, url, form), TaskScheduler.Default).Unwrap();
        }
    }

    private async Task PostAsync(SimulatedTwilioCall call, string url, List<KeyValuePair<string, string>> form)
    {
        var delivered = await TryPostAsync(call, url, form, call.Epoch.Stopping.Token) is not null;
        call.Epoch.Counters.CallbackDelivered(delivered);
    }

    private async Task<string?> FetchTwimlAsync(SimulatedTwilioCall call, string url, CancellationToken stopping)
    {
        call.Epoch.Counters.TwimlFetched();
        var body = await TryPostAsync(call, url,
        [
            new("AccountSid", call.AccountSid),
            new("ApiVersion", ApiVersion),
            new("CallSid", call.Sid),
            new("CallStatus", "in-progress"),
            new("Called", call.To),
            new("Caller", call.From),
            new("Direction", "outbound-api"),
            new("From", call.From),
            new("To", call.To),
        ], stopping);
        call.Epoch.Counters.CallbackDelivered(body is not null);
        return body;
    }

    /// <summary>The response body on 2xx, else null. Signed over the exact URL string it goes to.</summary>
    private async Task<string?> TryPostAsync(SimulatedTwilioCall call, string url, List<KeyValuePair<string, string>> form, CancellationToken stopping)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            request.Headers.TryAddWithoutValidation(TwilioRequestSignature.HeaderName, TwilioRequestSignature.Compute(call.AuthToken, url, form));
            request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
            using var response = await _http.SendAsync(request, stopping);
            if (!response.IsSuccessStatusCode)
            {
                LogRejected(url, (int)response.StatusCode);
                return null;
            }

            return await response.Content.ReadAsStringAsync(stopping);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            LogUnreachable(url, exception.Message);
            return null;
        }
    }

    internal static string Rfc2822(DateTimeOffset at) => at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    [GeneratedRegex("<Stream[^>]*\\surl=\"(?<url>[^\"]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex StreamUrl();

    [GeneratedRegex("<Pause[^>]*\\slength=\"(?<seconds>\\d{1,5})\"", RegexOptions.CultureInvariant)]
    private static partial Regex PauseLength();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Twilio request to {Url} answered {StatusCode}")]
    private partial void LogRejected(string url, int statusCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Twilio request to {Url} failed: {Reason}")]
    private partial void LogUnreachable(string url, string reason);
}
