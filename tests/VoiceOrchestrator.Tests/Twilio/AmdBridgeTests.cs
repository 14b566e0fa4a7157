using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Twilio;

/// <summary>
/// The AMD bridge end to end (issue "AMD bridge"): the service against the emulator's Twilio and ElevenLabs sides,
/// over HTTP, with every Twilio request signed.
/// </summary>
[Collection("postgres")]
public sealed class AmdBridgeTests(PostgresFixture postgres)
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "amd_test_auth_token";

    private static readonly Dictionary<string, TwilioAnswer> Mixed = new()
    {
        ["+15551000001"] = TwilioAnswer.Human,
        ["+15551000002"] = TwilioAnswer.Human,
        ["+15551000003"] = TwilioAnswer.Human,
        ["+15551000004"] = TwilioAnswer.Human,
        ["+15551000005"] = TwilioAnswer.Machine,
        ["+15551000006"] = TwilioAnswer.Machine,
        ["+15551000007"] = TwilioAnswer.Machine,
        ["+15551000008"] = TwilioAnswer.Fax,
        ["+15551000009"] = TwilioAnswer.Unknown,
        ["+15551000010"] = TwilioAnswer.Busy,
        ["+15551000011"] = TwilioAnswer.NoAnswer,
    };

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task A_mixed_campaign_in_AMD_mode_hangs_up_on_machines_and_bridges_people_with_one_Twilio_call_each(DatabaseKind kind)
    {
        await using var rig = await StartAsync(kind, Mixed, callDurationMs: 400, ("TWILIO_CPS", "3"));
        using var client = rig.Client();
        // AMD mode set on the campaign; the bulk request names the campaign and sends no header.
        var campaign = await client.PostAsJsonAsync("campaigns", new { id = "amd-mixed", gateMode = "twilio_amd_bridge", machineDetectionTimeout = 5 });
        Assert.True(campaign.IsSuccessStatusCode, await campaign.Content.ReadAsStringAsync());
        var bulk = await client.PostAsJsonAsync("calls/bulk", new
        {
            campaignId = "amd-mixed",
            agentId = DispatchRig.AgentId,
            agentPhoneNumberId = DispatchRig.PhoneNumberId,
            from = "+15017122661",
            calls = Mixed.Keys.Select(n => new { toNumber = n, variables = new { name = "Lead " + n[^2..] } }),
        });
        Assert.True(bulk.IsSuccessStatusCode, await bulk.Content.ReadAsStringAsync());

        var ids = (await DispatchKit.ListCallsAsync(client, "campaignId=amd-mixed")).Select(c => c.Id).ToList();
        Assert.Equal(Mixed.Count, ids.Count);
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        var calls = await CallsAsync(client, ids);
        var twilio = rig.Simulator.State.Twilio.GetStats();

        foreach (var (number, answer) in Mixed)
        {
            var call = calls.Single(c => c.GetProperty("toNumber").GetString() == number);
            var status = call.GetProperty("status").GetString();
            var history = call.GetRawText();
            Assert.True(twilio.CallsByNumber.GetValueOrDefault(number) == 1, $"{number}: {twilio.CallsByNumber.GetValueOrDefault(number)} Twilio calls");
            Assert.Equal(1, call.GetProperty("attempts").GetInt32());
            Assert.Equal("twilio_amd_bridge", call.GetProperty("gateMode").GetString());
            Assert.StartsWith("CA", Text(call, "twilioCallSid"));
            switch (answer)
            {
                case TwilioAnswer.Human or TwilioAnswer.Unknown:
                    Assert.True(status == "completed", $"{number} ({answer}) ended {status}: {history}");
                    Assert.Equal(answer == TwilioAnswer.Human ? "human" : "unknown", Text(call, "amdStatus"));
                    Assert.Equal(answer == TwilioAnswer.Human ? "human" : "unknown", Text(call, "answeredBy"));
                    Assert.Equal(1, twilio.RegisteredByNumber.GetValueOrDefault(number));
                    Assert.Equal(1, twilio.BridgedByNumber.GetValueOrDefault(number));
                    Assert.StartsWith("conv_", Text(call, "conversationId"));
                    Assert.True(call.GetProperty("costTwilio").GetDouble() > 0, history);
                    Assert.True(call.GetProperty("amdDetectionTime").GetInt32() > 0, history);
                    break;
                case TwilioAnswer.Machine or TwilioAnswer.Fax:
                    Assert.True(status == "machine_detected", $"{number} ({answer}) ended {status}: {history}");
                    Assert.Equal("machine", Text(call, "amdStatus"));
                    Assert.Equal(answer == TwilioAnswer.Fax ? "fax" : "machine_start", Text(call, "answeredBy"));
                    Assert.Equal(0, twilio.RegisteredByNumber.GetValueOrDefault(number));
                    Assert.Equal(0, twilio.BridgedByNumber.GetValueOrDefault(number));
                    Assert.Null(Text(call, "conversationId"));
                    break;
                case TwilioAnswer.Busy:
                    Assert.True(status == "busy", $"{number} ended {status}: {history}");
                    break;
                case TwilioAnswer.NoAnswer:
                    Assert.True(status == "no_answer", $"{number} ended {status}: {history}");
                    break;
            }
        }

        // One call per attempt: nothing went to ElevenLabs' outbound-call, the machines were hung up, none bridged.
        Assert.Equal(0, rig.Simulator.State.GetStats().AcceptedDials);
        Assert.Equal(Mixed.Count, twilio.CallsCreated);
        Assert.Equal(4, twilio.MachinesHungUp);
        Assert.Equal(0, twilio.MachinesBridged);
        Assert.Equal(5, twilio.Bridged);

        // AMD counts as the service reports them match what the emulator decided.
        var amd = calls.Select(c => Text(c, "amdStatus")).Where(s => s is not null).GroupBy(s => s!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(twilio.AnsweredBy.GetValueOrDefault("human"), amd.GetValueOrDefault("human"));
        Assert.Equal(twilio.AnsweredBy.GetValueOrDefault("machine_start") + twilio.AnsweredBy.GetValueOrDefault("fax"), amd.GetValueOrDefault("machine"));
        Assert.Equal(twilio.AnsweredBy.GetValueOrDefault("unknown"), amd.GetValueOrDefault("unknown"));
        Assert.Equal((4, 4, 1), (amd.GetValueOrDefault("human"), amd.GetValueOrDefault("machine"), amd.GetValueOrDefault("unknown")));
        var report = await client.GetFromJsonAsync<JsonElement>("calls/amd-stats?campaignId=amd-mixed");
        var reported = report.GetProperty("amdStats");
        Assert.Equal(Mixed.Count, report.GetProperty("totalCalls").GetInt32());
        Assert.Equal(
            (amd.GetValueOrDefault("human"), amd.GetValueOrDefault("machine"), amd.GetValueOrDefault("unknown")),
            (reported.GetProperty("human").GetInt32(), reported.GetProperty("machine").GetInt32(), reported.GetProperty("unknown").GetInt32()));
        Assert.Equal(4, report.GetProperty("costSavings").GetProperty("voicemailsAvoided").GetInt32());

        // TWILIO_CPS=3: the creates went out at least a third of a second apart (dialedAt is when each was sent),
        // although all eleven calls were claimed at once; the emulator saw them arrive over as long a time.
        var sent = calls.Select(c => c.GetProperty("dialedAt").GetDateTime()).Order().ToList();
        var gaps = sent.Zip(sent.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        Assert.True(gaps.All(g => g >= 1000 / 3.0 - 5), $"creates sent {string.Join(", ", gaps.Select(g => $"{g:F0}"))} ms apart");
        var span = (twilio.LastCreatedAt!.Value - twilio.FirstCreatedAt!.Value).TotalSeconds;
        Assert.True(span >= 2, $"{Mixed.Count} calls arrived within {span:F2} s (most in one second: {twilio.MaxCreatesPerSecond})");
    }

    [Fact]
    public async Task Twilio_requests_with_a_bad_signature_change_nothing_and_duplicates_or_late_events_are_harmless()
    {
        const string number = "+15552000001";
        await using var rig = await StartAsync(DatabaseKind.Sqlite, new() { [number] = TwilioAnswer.Human }, callDurationMs: 60_000);
        using var client = rig.Client();
        client.DefaultRequestHeaders.Add("x-gate-mode", "twilio_amd_bridge");
        var created = await client.PostAsJsonAsync("calls/priority", new
        {
            agentId = DispatchRig.AgentId, agentPhoneNumberId = DispatchRig.PhoneNumberId, toNumber = number, fromNumber = "+15017122661",
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await DispatchKit.WaitUntilAsync(async () => rig.Simulator.State.Twilio.GetStats().Bridged == 1 && await StatusAsync(client, id) == "in_progress",
            TimeSpan.FromSeconds(30), () => "the call was not bridged");
        var before = await DispatchKit.GetCallAsync(client, id);
        var sid = Text(await client.GetFromJsonAsync<JsonElement>($"calls/{id}"), "twilioCallSid")!;
        var service = rig.Services[0].BaseAddress.ToString().TrimEnd('/');
        var statusUrl = $"{service}/webhooks/twilio/status?callId={id}&attempt=1";
        var completed = StatusForm(sid, number, "completed", ("CallDuration", "12"), ("Duration", "1"));

        using var twilio = new HttpClient();
        // Missing header, wrong URL, wrong token, tampered parameter: 401, and the call stays as it was.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(twilio, statusUrl, completed, signature: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(twilio, statusUrl, completed,
            TwilioRequestSignature.Compute(AuthToken, $"https://evil.example.com/webhooks/twilio/status?callId={id}&attempt=1", completed))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(twilio, statusUrl, completed, TwilioRequestSignature.Compute("another_token", statusUrl, completed))).StatusCode);
        var tampered = completed.Select(p => p.Key == "CallStatus" ? new KeyValuePair<string, string>(p.Key, "busy") : p).ToList();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(twilio, statusUrl, tampered, TwilioRequestSignature.Compute(AuthToken, statusUrl, completed))).StatusCode);
        var amdUrl = $"{service}/webhooks/twilio/amd?callId={id}&attempt=1";
        var machine = AmdForm(sid, "machine_start");
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(twilio, amdUrl, machine, TwilioRequestSignature.Compute(AuthToken, statusUrl, machine))).StatusCode);
        var unchanged = await DispatchKit.GetCallAsync(client, id);
        Assert.Equal("in_progress", unchanged.Status);
        Assert.Equal(before.Events.Count, unchanged.Events.Count);

        // Correctly signed but late or repeated: a second AMD result (even a different one) and a ringing after the answer change nothing.
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, amdUrl, machine)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, amdUrl, AmdForm(sid, "human"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, statusUrl, StatusForm(sid, number, "ringing"))).StatusCode);
        Assert.Equal("in_progress", await StatusAsync(client, id));
        Assert.Equal(1, rig.Simulator.State.Twilio.GetStats().RegisteredByNumber[number]);
        Assert.Equal(0, rig.Simulator.State.Twilio.GetStats().MachinesHungUp);
        var call = await client.GetFromJsonAsync<JsonElement>($"calls/{id}");
        Assert.Equal("human", Text(call, "answeredBy"));

        // The genuine completed event ends the call and frees the slot; repeating it, or a busy or in-progress after it, changes nothing.
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, statusUrl, completed)).StatusCode);
        Assert.Equal("completed", await StatusAsync(client, id));
        var settled = await DispatchKit.GetCallAsync(client, id);
        foreach (var late in new[] { completed, StatusForm(sid, number, "busy"), StatusForm(sid, number, "in-progress"), StatusForm(sid, number, "no-answer") })
        {
            Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, statusUrl, late)).StatusCode);
        }

        // An event of another attempt (or Twilio call) is recognised as such.
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(twilio, $"{service}/webhooks/twilio/status?callId={id}&attempt=2", StatusForm(sid, number, "busy"))).StatusCode);
        var after = await DispatchKit.GetCallAsync(client, id);
        Assert.Equal("completed", after.Status);
        Assert.Equal(settled.Events.Count, after.Events.Count);
        call = await client.GetFromJsonAsync<JsonElement>($"calls/{id}");
        Assert.Equal(12, call.GetProperty("durationSecs").GetInt32());
    }

    [Fact]
    public async Task Without_machine_detection_the_agent_is_connected_at_answer_through_the_signed_TwiML_route()
    {
        const string number = "+15553000001";
        await using var rig = await StartAsync(DatabaseKind.Sqlite, new() { [number] = TwilioAnswer.Machine }, callDurationMs: 300);
        using var client = rig.Client();
        client.DefaultRequestHeaders.Add("x-gate-mode", "twilio_amd_bridge");
        var created = await client.PostAsJsonAsync("calls/priority", new
        {
            agentId = DispatchRig.AgentId, agentPhoneNumberId = DispatchRig.PhoneNumberId, toNumber = number, enableMachineDetection = false,
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await DispatchKit.WaitTerminalAsync(client, [id], TimeSpan.FromSeconds(30));

        var call = await client.GetFromJsonAsync<JsonElement>($"calls/{id}");
        Assert.Equal("completed", Text(call, "status"));
        Assert.Equal("not_used", Text(call, "amdStatus"));
        Assert.Null(Text(call, "answeredBy"));
        // No AMD, so even a machine is connected: that is what turning detection off means. The From fell back to TWILIO_FROM_FALLBACK.
        var stats = rig.Simulator.State.Twilio.GetStats();
        Assert.Equal(1, stats.TwimlFetches);
        Assert.Equal(1, stats.Bridged);
        Assert.Empty(stats.AnsweredBy);
        Assert.Equal("+15017120000", Text(call, "fromNumber"));
    }

    private async Task<DispatchRig> StartAsync(DatabaseKind kind, Dictionary<string, TwilioAnswer> answers, int callDurationMs, params (string Name, string Value)[] extra)
    {
        var settings = DispatchKit.Settings(
            ("TWILIO_ACCOUNT_SID", AccountSid), ("TWILIO_AUTH_TOKEN", AuthToken), ("TWILIO_FROM_FALLBACK", "+15017120000"), ("TWILIO_CPS", "0"));
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return await DispatchRig.StartAsync(kind, postgres, new SimulatorOptions
        {
            ConcurrencyLimit = 50,
            RingMs = 100,
            CallDurationMs = callDurationMs,
            TwilioAmdDetectionMs = 150,
            TwilioAccountSid = AccountSid,
            TwilioAuthToken = AuthToken,
            TwilioNumberAnswers = answers,
        }, settings);
    }

    private static List<KeyValuePair<string, string>> StatusForm(string sid, string to, string status, params (string Name, string Value)[] extra) =>
    [
        new("AccountSid", AccountSid), new("ApiVersion", "2010-04-01"), new("CallSid", sid), new("CallStatus", status),
        new("Direction", "outbound-api"), new("From", "+15017122661"), new("To", to), new("CallbackSource", "call-progress-events"),
        .. extra.Select(e => new KeyValuePair<string, string>(e.Name, e.Value)),
    ];

    private static List<KeyValuePair<string, string>> AmdForm(string sid, string answeredBy) =>
        [new("AccountSid", AccountSid), new("AnsweredBy", answeredBy), new("CallSid", sid), new("MachineDetectionDuration", "900")];

    private static Task<HttpResponseMessage> PostSignedAsync(HttpClient http, string url, List<KeyValuePair<string, string>> form) =>
        PostAsync(http, url, form, TwilioRequestSignature.Compute(AuthToken, url, form));

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string url, List<KeyValuePair<string, string>> form, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(TwilioRequestSignature.HeaderName, signature);
        }

        return http.SendAsync(request);
    }

    private static async Task<string?> StatusAsync(HttpClient client, Guid id) => Text(await client.GetFromJsonAsync<JsonElement>($"calls/{id}"), "status");

    private static async Task<List<JsonElement>> CallsAsync(HttpClient client, IEnumerable<Guid> ids)
    {
        var result = new List<JsonElement>();
        foreach (var id in ids)
        {
            result.Add(await client.GetFromJsonAsync<JsonElement>($"calls/{id}"));
        }

        return result;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
