using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// The Twilio Calls API (contract twilio.md §2, §3: create, update, fetch, list by <c>To</c>), ElevenLabs
/// <c>POST /v1/convai/twilio/register-call</c> (elevenlabs.md §4) and <c>GET /_sim/twilio/stats</c>.
/// </summary>
internal static class TwilioEndpoints
{
    private const string Accounts = "/2010-04-01/Accounts/{accountSid}";
    private static readonly string[] DefaultEvents = ["completed"];

    public static void MapTwilioEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        routes.MapPost(Accounts + "/Calls.json", (HttpContext context, string accountSid) => CreateAsync(context, accountSid, state));
        routes.MapGet(Accounts + "/Calls.json", (HttpContext context, string accountSid) => List(context, accountSid, state));
        routes.MapGet(Accounts + "/Calls/{callSid}.json", (HttpContext context, string accountSid, string callSid) => Fetch(context, accountSid, callSid, state));
        routes.MapPost(Accounts + "/Calls/{callSid}.json", (HttpContext context, string accountSid, string callSid) => UpdateAsync(context, accountSid, callSid, state));
        routes.MapPost("/v1/convai/twilio/register-call", Task<IResult> (HttpContext context) => RegisterAsync(context, state));
        routes.MapGet("/_sim/twilio/stats", () => Results.Json(state.Twilio.GetStats(), SimulatorOptionsJson.Options));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, string accountSid, SimulatorState state)
    {
        var twilio = state.Twilio;
        var epoch = twilio.Epoch;
        epoch.Counters.CreateRequested();
        var options = state.Options;
        if (Authenticate(context, accountSid, options) is not { } token)
        {
            epoch.Counters.Rejected();
            return Error(401, 20003, "Authenticate");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? Field(string name) => form.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;
        var to = Field("To");
        var from = Field("From");
        IResult? problem = null;
        if (to is null)
        {
            problem = Error(400, 21201, "No 'To' number is specified");
        }
        else if (from is null)
        {
            problem = Error(400, 21213, "No 'From' number is specified");
        }
        else if (!IsE164(to))
        {
            problem = Error(400, 21211, $"The 'To' number {to} is not a valid phone number.");
        }
        else if (Field("Url") is null && Field("Twiml") is null && Field("ApplicationSid") is null)
        {
            problem = Error(400, 21205, "Url, Twiml or ApplicationSid is required.");
        }
        else if (Field("Twiml") is { Length: > 4000 })
        {
            problem = Error(400, 21232, "Twiml must not exceed 4000 characters.");
        }

        if (problem is not null)
        {
            epoch.Counters.Rejected();
            return problem;
        }

        var events = form.TryGetValue("StatusCallbackEvent", out var subscribed) && subscribed.Count > 0
            ? subscribed.Where(e => !string.IsNullOrEmpty(e)).Select(e => e!).ToHashSet(StringComparer.Ordinal)
            : DefaultEvents.ToHashSet(StringComparer.Ordinal);
        var detection = Field("SendDigits") is null ? Field("MachineDetection") : null;
        var timeout = int.TryParse(Field("MachineDetectionTimeout"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : 30;
        var call = twilio.Create(new SimulatedTwilioCall
        {
            Epoch = epoch,
            Sid = ProviderIds.NewTwilioCallSid(),
            AccountSid = accountSid,
            To = to!,
            From = from!,
            AuthToken = token,
            Answer = twilio.AnswerFor(to!, options),
            CreatedAt = DateTimeOffset.UtcNow,
            Url = Field("Url"),
            Twiml = Field("Url") is null ? Field("Twiml") : null,
            StatusCallback = Field("StatusCallback"),
            StatusEvents = events,
            MachineDetection = detection,
            MachineDetectionTimeoutSecs = Math.Max(1, timeout),
            AsyncAmd = string.Equals(Field("AsyncAmd"), "true", StringComparison.OrdinalIgnoreCase),
            AsyncAmdStatusCallback = Field("AsyncAmdStatusCallback"),
        });
        return Results.Json(Resource(call), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string accountSid, string callSid, SimulatorState state)
    {
        var epoch = state.Twilio.Epoch;
        if (Authenticate(context, accountSid, state.Options) is null)
        {
            return Error(401, 20003, "Authenticate");
        }

        if (!epoch.Calls.TryGetValue(callSid, out var call) || call.AccountSid != accountSid)
        {
            return Error(404, 20404, $"The requested resource /2010-04-01/Accounts/{accountSid}/Calls/{callSid}.json was not found");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var status = form["Status"].ToString();
        var twiml = form["Twiml"].ToString();
        var url = form["Url"].ToString();
        bool live;
        lock (call.Gate)
        {
            live = !call.IsFinished && (status.Length > 0 || call.Status == "in-progress");
        }

        if (!live)
        {
            return Error(400, 21220, "Call is not in-progress. Cannot redirect.");
        }

        epoch.Counters.Updated();
        if (status is "completed" or "canceled")
        {
            state.Twilio.HangUp(call);
        }
        else if (status.Length > 0)
        {
            return Error(400, 21218, $"Status must be 'completed' or 'canceled', got '{status}'.");
        }
        else if (url.Length > 0)
        {
            // The redirect is fetched in the background, as Twilio does: the update answers at once.
            _ = Task.Run(() => state.Twilio.RedirectAsync(call, url), CancellationToken.None);
        }
        else if (twiml.Length > 0)
        {
            state.Twilio.RunTwiml(call, twiml);
        }

        return Results.Json(Resource(call));
    }

    private static IResult Fetch(HttpContext context, string accountSid, string callSid, SimulatorState state)
    {
        if (Authenticate(context, accountSid, state.Options) is null)
        {
            return Error(401, 20003, "Authenticate");
        }

        return state.Twilio.Epoch.Calls.TryGetValue(callSid, out var call) && call.AccountSid == accountSid
            ? Results.Json(Resource(call))
            : Error(404, 20404, $"The requested resource /2010-04-01/Accounts/{accountSid}/Calls/{callSid}.json was not found");
    }

    private static IResult List(HttpContext context, string accountSid, SimulatorState state)
    {
        if (Authenticate(context, accountSid, state.Options) is null)
        {
            return Error(401, 20003, "Authenticate");
        }

        var to = context.Request.Query["To"].ToString();
        var calls = state.Twilio.Epoch.Calls.Values
            .Where(c => c.AccountSid == accountSid && (to.Length == 0 || c.To == to))
            .OrderByDescending(c => c.CreatedAt)
            .Take(50)
            .Select(Resource)
            .ToList();
        return Results.Json(new JsonObject
        {
            ["calls"] = new JsonArray([.. calls]),
            ["page"] = 0,
            ["page_size"] = 50,
            ["uri"] = $"/2010-04-01/Accounts/{accountSid}/Calls.json",
        });
    }

    /// <summary>register-call: holds a workspace slot and answers the TwiML that connects a Twilio call to the agent.</summary>
    private static async Task<IResult> RegisterAsync(HttpContext context, SimulatorState state)
    {
        var options = state.Options;
        if (await ProviderGate.EnterAsync(context, options) is { } refused)
        {
            return refused;
        }

        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ElevenLabsErrors.Validation([new ValidationIssue(["body"], "JSON decode error", "json_invalid")]);
        }

        var issues = new List<ValidationIssue>();
        string? Required(string name)
        {
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            issues.Add(new ValidationIssue(["body", name], "Field required", "missing"));
            return null;
        }

        var agentId = Required("agent_id");
        var from = Required("from_number");
        var to = Required("to_number");
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("direction", out var direction)
            && direction.GetString() is not ("inbound" or "outbound"))
        {
            issues.Add(new ValidationIssue(["body", "direction"], "Input should be 'inbound' or 'outbound'", "enum"));
        }

        if (issues.Count > 0)
        {
            return ElevenLabsErrors.Validation(issues);
        }

        JsonElement? clientData = null;
        string? userId = null;
        if (body.TryGetProperty("conversation_initiation_client_data", out var data) && data.ValueKind == JsonValueKind.Object)
        {
            clientData = data;
            userId = data.TryGetProperty("user_id", out var user) && user.ValueKind == JsonValueKind.String ? user.GetString() : null;
        }

        var elevenLabs = state.Epoch;
        if (!elevenLabs.TryOccupySlot(options.ConcurrencyLimit, options.ExternalActiveCalls))
        {
            elevenLabs.Counters.DialRejectedForCapacity();
            return ElevenLabsErrors.ConcurrencyLimitExceeded(options.ConcurrencyLimit);
        }

        var token = Guid.NewGuid().ToString("N");
        var twilioEpoch = state.Twilio.Epoch;
        twilioEpoch.Registrations[token] = new RegisteredCall(elevenLabs, agentId!, from!, to!, userId, clientData, body);
        // A registration no Twilio call connects within a minute gives its slot back (the stream never opened).
        _ = Task.Delay(TimeSpan.FromMinutes(1), twilioEpoch.Stopping.Token).ContinueWith(_ =>
        {
            if (twilioEpoch.Registrations.TryRemove(token, out var unused))
            {
                unused.ElevenLabsEpoch.ReleaseSlot();
            }
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        state.Twilio.Epoch.Counters.Registered(to!);
        var twiml = new StringBuilder()
            .Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .Append("<Response><Connect><Stream url=\"wss://").Append(context.Request.Host.Value).Append("/v1/convai/twilio/stream/").Append(token).Append("\">")
            .Append("<Parameter name=\"agent_id\" value=\"").Append(System.Security.SecurityElement.Escape(agentId)).Append("\"/>")
            .Append("</Stream></Connect></Response>")
            .ToString();
        return Results.Text(twiml, "text/xml", Encoding.UTF8);
    }

    /// <summary>The token the request authenticated with, or null. Basic auth: the account SID (or any, unset) and the auth token (or any, unset).</summary>
    private static string? Authenticate(HttpContext context, string accountSid, SimulatorOptions options)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == decoded.Length - 1)
        {
            return null;
        }

        var user = decoded[..colon];
        var password = decoded[(colon + 1)..];
        var userMatches = options.TwilioAccountSid is null ? user.StartsWith("AC", StringComparison.Ordinal) : user == options.TwilioAccountSid;
        var tokenMatches = options.TwilioAuthToken is null || password == options.TwilioAuthToken;
        return userMatches && tokenMatches && user == accountSid ? password : null;
    }

    private static bool IsE164(string number) =>
        number.Length is >= 8 and <= 16 && number[0] == '+' && number.Skip(1).All(char.IsAsciiDigit) && number[1] != '0';

    private static JsonObject Resource(SimulatedTwilioCall call)
    {
        string? status, answeredBy, start, end, duration;
        lock (call.Gate)
        {
            status = call.Status;
            answeredBy = call.AnsweredBy;
            start = call.AnsweredAt is { } a ? TwilioSide.Rfc2822(a) : null;
            end = call.EndedAt is { } e ? TwilioSide.Rfc2822(e) : null;
            duration = call.AnsweredAt is { } from && call.EndedAt is { } to
                ? Math.Max(1, (int)Math.Ceiling((to - from).TotalSeconds)).ToString(CultureInfo.InvariantCulture)
                : null;
        }

        var uri = $"/2010-04-01/Accounts/{call.AccountSid}/Calls/{call.Sid}";
        return new JsonObject
        {
            ["account_sid"] = call.AccountSid,
            ["answered_by"] = answeredBy,
            ["api_version"] = TwilioSide.ApiVersion,
            ["date_created"] = TwilioSide.Rfc2822(call.CreatedAt),
            ["date_updated"] = TwilioSide.Rfc2822(DateTimeOffset.UtcNow),
            ["direction"] = "outbound-api",
            ["duration"] = duration,
            ["end_time"] = end,
            ["from"] = call.From,
            ["parent_call_sid"] = null,
            ["price"] = null,
            ["price_unit"] = "USD",
            ["queue_time"] = "0",
            ["sid"] = call.Sid,
            ["start_time"] = start,
            ["status"] = status,
            ["to"] = call.To,
            ["uri"] = uri + ".json",
        };
    }

    private static IResult Error(int status, int code, string message) => Results.Json(new JsonObject
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    }, statusCode: status);
}
