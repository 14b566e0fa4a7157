using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace VoiceOrchestrator.Simulator.Tests;

/// <summary>The emulator's Twilio side: signatures as in contract twilio.md §7.3, the Calls API, AMD and the bridge.</summary>
public sealed class TwilioSideTests
{
    private const string Token = "test_auth_token_0123456789abcdef";
    private const string Account = "AC00000000000000000000000000000000";
    private const string CallSid = "CA11111111111111111111111111111111";

    private static readonly KeyValuePair<string, string>[] AmdParams =
    [
        new("AccountSid", Account), new("AnsweredBy", "machine_start"), new("CallSid", CallSid), new("MachineDetectionDuration", "2412"),
    ];

    public static TheoryData<string, string, string> ContractVectors => new()
    {
        { "B", "https://bridge.example.com/twilio/amd?attempt=42", "LTylgTlsncGSwwql3yV8MJF71VU=" },
        { "B:443", "https://bridge.example.com:443/twilio/amd?attempt=42", "u81+mVXw6wmS2BUX94tUl/6Ye8g=" },
        { "E:8443", "https://bridge.example.com:8443/twilio/amd", "mTQUivzJk3L7as67FdgLHaw1Opo=" },
        { "E", "https://bridge.example.com/twilio/amd", "4bQwIS5fX6Y5PHa3OWCKzYMSFBA=" },
    };

    [Fact]
    public void Twilios_published_vector_A_is_reproduced()
    {
        KeyValuePair<string, string>[] parameters =
        [
            new("CallSid", "CA1234567890ABCDE"), new("Caller", "+12349013030"), new("Digits", "1234"), new("From", "+12349013030"), new("To", "+18005551212"),
        ];
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioRequestSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters));
        // Order of the parameters as given does not matter: they are sorted by name.
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioRequestSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters.Reverse()));
    }

    [Theory]
    [MemberData(nameof(ContractVectors))]
    public void AMD_callback_vectors_B_and_E_are_reproduced(string name, string url, string expected)
    {
        Assert.True(expected == TwilioRequestSignature.Compute(Token, url, AmdParams), name);
    }

    [Fact]
    public void Status_callback_vector_C_sorts_names_ordinally()
    {
        KeyValuePair<string, string>[] parameters =
        [
            new("AccountSid", Account), new("ApiVersion", "2010-04-01"), new("CallSid", CallSid), new("CallStatus", "completed"),
            new("CallDuration", "37"), new("Duration", "1"), new("Direction", "outbound-api"), new("From", "+15017122661"), new("To", "+14155552671"),
            new("Called", "+14155552671"), new("Caller", "+15017122661"), new("CallbackSource", "call-progress-events"), new("SequenceNumber", "3"),
            new("Timestamp", "Tue, 14 Apr 2026 10:15:42 +0000"), new("SipResponseCode", "200"),
        ];
        Assert.Equal("EFIWrQOTcNUb6Wrih+cRyXOxQVk=", TwilioRequestSignature.Compute(Token, "https://bridge.example.com/twilio/status", parameters));
    }

    [Fact]
    public void GET_vector_D_signs_the_url_alone_and_a_changed_answer_changes_the_signature()
    {
        const string url = "https://bridge.example.com/twilio/amd?AccountSid=AC00000000000000000000000000000000&AnsweredBy=machine_start&CallSid=CA11111111111111111111111111111111&MachineDetectionDuration=2412";
        Assert.Equal("JNcFSulnuCc+Zs/W0LmzGp32ksE=", TwilioRequestSignature.Compute(Token, url, []));
        KeyValuePair<string, string>[] human = [.. AmdParams.Select(p => p.Key == "AnsweredBy" ? new KeyValuePair<string, string>(p.Key, "human") : p)];
        Assert.NotEqual("LTylgTlsncGSwwql3yV8MJF71VU=", TwilioRequestSignature.Compute(Token, "https://bridge.example.com/twilio/amd?attempt=42", human));
    }

    [Fact]
    public async Task A_machine_gets_signed_status_and_AMD_callbacks_and_is_counted_when_hung_up()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions
        {
            RingMs = 50, CallDurationMs = 10_000, TwilioAmdDetectionMs = 100, TwilioAuthToken = Token,
            TwilioNumberAnswers = new Dictionary<string, TwilioAnswer> { ["+15550000001"] = TwilioAnswer.Machine },
        });
        var baseUrl = receiver.Url.GetLeftPart(UriPartial.Authority);
        var statusUrl = baseUrl + "/twilio/status?callId=abc&attempt=1";
        var amdUrl = baseUrl + "/twilio/amd?callId=abc&attempt=1";

        var created = await CreateAsync(harness, "+15550000001", statusUrl, amdUrl);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var resource = await SimulatorHarness.ReadJsonAsync(created);
        var sid = resource["sid"]!.GetValue<string>();
        Assert.Matches("^CA[0-9a-f]{32}$", sid);
        Assert.Equal("queued", resource["status"]!.GetValue<string>());

        // initiated, ringing, in-progress, then the AMD result.
        var received = await receiver.TakeAsync(4);
        foreach (var request in received)
        {
            var url = request.Path.EndsWith("/amd", StringComparison.Ordinal) ? amdUrl : statusUrl;
            var form = QueryHelpers.ParseQuery(request.BodyText);
            Assert.Equal(IndependentSignature(Token, url, form), request.Headers["X-Twilio-Signature"]);
            Assert.True(Guid.TryParse(request.Headers["I-Twilio-Idempotency-Token"], out _));
        }

        var statuses = received.Where(r => r.Path.EndsWith("/status", StringComparison.Ordinal)).Select(r => QueryHelpers.ParseQuery(r.BodyText)).ToList();
        Assert.Equal(["initiated", "ringing", "in-progress"], statuses.Select(s => s["CallStatus"].ToString()));
        Assert.Equal(["0", "1", "2"], statuses.Select(s => s["SequenceNumber"].ToString()));
        Assert.All(statuses, s => Assert.Equal("call-progress-events", s["CallbackSource"].ToString()));
        var amd = QueryHelpers.ParseQuery(received.Single(r => r.Path.EndsWith("/amd", StringComparison.Ordinal)).BodyText);
        Assert.Equal("machine_start", amd["AnsweredBy"].ToString());
        Assert.Equal(sid, amd["CallSid"].ToString());
        Assert.Equal("100", amd["MachineDetectionDuration"].ToString());

        var hangUp = await UpdateAsync(harness, sid, new() { ["Status"] = "completed" });
        Assert.Equal(HttpStatusCode.OK, hangUp.StatusCode);
        var completed = QueryHelpers.ParseQuery((await receiver.NextAsync()).BodyText);
        Assert.Equal("completed", completed["CallStatus"].ToString());
        Assert.Equal("3", completed["SequenceNumber"].ToString());
        Assert.Equal("1", completed["Duration"].ToString());

        var again = await UpdateAsync(harness, sid, new() { ["Twiml"] = "<Response><Hangup/></Response>" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal(21220, (await SimulatorHarness.ReadJsonAsync(again))["code"]!.GetValue<int>());

        var stats = harness.State.Twilio.GetStats();
        Assert.Equal(1, stats.CallsByNumber["+15550000001"]);
        Assert.Equal(1, stats.MachinesHungUp);
        Assert.Equal(0, stats.Bridged);
        Assert.Equal(1, stats.AnsweredBy["machine_start"]);
    }

    [Fact]
    public async Task A_human_redirected_to_the_register_call_TwiML_talks_to_the_agent_then_completes()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions
        {
            RingMs = 50, CallDurationMs = 300, TwilioAmdDetectionMs = 50, TwilioAuthToken = Token,
            WebhookUrl = receiver.Url.ToString(), WebhookSecret = "wsec_test",
        });
        var baseUrl = receiver.Url.GetLeftPart(UriPartial.Authority);
        var created = await CreateAsync(harness, "+15550000002", baseUrl + "/twilio/status?c=1", baseUrl + "/twilio/amd?c=1");
        var sid = (await SimulatorHarness.ReadJsonAsync(created))["sid"]!.GetValue<string>();
        var amd = await NextFromAsync(receiver, "/twilio/amd");
        Assert.Equal("human", QueryHelpers.ParseQuery(amd.BodyText)["AnsweredBy"].ToString());

        var register = await harness.PostJsonAsync("/v1/convai/twilio/register-call", """
            {"agent_id":"agent_test","from_number":"+15017122661","to_number":"+15550000002","direction":"outbound",
             "conversation_initiation_client_data":{"user_id":"call-42","dynamic_variables":{"name":"Jane"}}}
            """);
        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        var twiml = await register.Content.ReadAsStringAsync();
        Assert.Contains("<Connect><Stream url=\"wss://", twiml);

        Assert.Equal(HttpStatusCode.OK, (await UpdateAsync(harness, sid, new() { ["Twiml"] = twiml })).StatusCode);
        // The agent hangs up: ElevenLabs sends its post-call webhook and Twilio its completed event, in either order.
        ReceivedWebhook? postCall = null, completed = null;
        for (var i = 0; i < 10 && (postCall is null || completed is null); i++)
        {
            var next = await receiver.NextAsync();
            if (next.Path == "/webhooks/elevenlabs")
            {
                postCall = next;
            }
            else if (next.Path == "/twilio/status" && QueryHelpers.ParseQuery(next.BodyText)["CallStatus"] == "completed")
            {
                completed = next;
            }
        }

        Assert.NotNull(postCall);
        Assert.NotNull(completed);
        var data = JsonNode.Parse(postCall.BodyText)!["data"]!;
        Assert.Equal("call-42", data["user_id"]?.GetValue<string>() ?? data["conversation_initiation_client_data"]!["user_id"]!.GetValue<string>());
        Assert.Equal(sid, QueryHelpers.ParseQuery(completed.BodyText)["CallSid"].ToString());

        var stats = harness.State.Twilio.GetStats();
        Assert.Equal(1, stats.Bridged);
        Assert.Equal(1, stats.RegisteredByNumber["+15550000002"]);
        Assert.Equal(0, stats.MachinesHungUp);
        Assert.Equal(0, harness.State.GetStats().ActiveCalls);
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_with_20003()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { TwilioAuthToken = Token });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/2010-04-01/Accounts/{Account}/Calls.json")
        {
            Content = new FormUrlEncodedContent([new("To", "+15550000003"), new("From", "+15017122661"), new("Twiml", "<Response/>")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Account}:wrong")));
        var response = await harness.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(20003, (await SimulatorHarness.ReadJsonAsync(response))["code"]!.GetValue<int>());
        Assert.Equal(0, harness.State.Twilio.GetStats().CallsCreated);
    }

    private static async Task<ReceivedWebhook> NextFromAsync(WebhookReceiver receiver, string path, Func<Dictionary<string, Microsoft.Extensions.Primitives.StringValues>, bool>? match = null)
    {
        for (var i = 0; i < 20; i++)
        {
            var next = await receiver.NextAsync();
            if (next.Path == path && (match is null || match(QueryHelpers.ParseQuery(next.BodyText))))
            {
                return next;
            }
        }

        throw new InvalidOperationException($"No request to {path} among the next 20.");
    }

    private static Task<HttpResponseMessage> CreateAsync(SimulatorHarness harness, string to, string statusUrl, string amdUrl) =>
        SendAsync(harness, $"/2010-04-01/Accounts/{Account}/Calls.json",
        [
            new("To", to), new("From", "+15017122661"), new("Twiml", "<Response><Pause length=\"60\"/></Response>"),
            new("MachineDetection", "Enable"), new("AsyncAmd", "true"), new("AsyncAmdStatusCallback", amdUrl), new("MachineDetectionTimeout", "6"),
            new("StatusCallback", statusUrl), new("StatusCallbackEvent", "initiated"), new("StatusCallbackEvent", "ringing"),
            new("StatusCallbackEvent", "answered"), new("StatusCallbackEvent", "completed"),
        ]);

    private static Task<HttpResponseMessage> UpdateAsync(SimulatorHarness harness, string sid, Dictionary<string, string> form) =>
        SendAsync(harness, $"/2010-04-01/Accounts/{Account}/Calls/{sid}.json", [.. form]);

    private static Task<HttpResponseMessage> SendAsync(SimulatorHarness harness, string path, KeyValuePair<string, string>[] form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Account}:{Token}")));
        return harness.Http.SendAsync(request);
    }

    /// <summary>The contract's steps written out again, independently of the emulator's signer.</summary>
    private static string IndependentSignature(string token, string url, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form)
    {
        var names = form.Keys.ToArray();
        Array.Sort(names, string.CompareOrdinal);
        var data = url + string.Concat(names.Select(n => n + form[n]));
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(token));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data)));
    }
}
