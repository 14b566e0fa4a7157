using System.Text;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Observability;
using VoiceOrchestrator.Providers.Twilio;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Twilio's requests to the AMD bridge: status callbacks, the async AMD result and the TwiML fetched at answer.
/// Each is checked against <c>X-Twilio-Signature</c> computed over PUBLIC_BASE_URL + path + query (with or without
/// the port, contract §7.2); a bad or missing signature is 401 and changes nothing. Calls this service does not
/// know (or an earlier attempt's events) answer 200, so that Twilio does not retry them.
/// </summary>
public static class TwilioWebhooksApi
{
    public static IEndpointRouteBuilder MapTwilioWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(TwilioBridge.StatusPath, StatusAsync)
            .AllowAnonymous().DisableAntiforgery()
            .WithTags("Webhooks")
            .WithSummary("Twilio status callback (initiated, ringing, in-progress, completed/busy/no-answer/failed/canceled) of an AMD-bridge call, signed with X-Twilio-Signature.")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .AddEndpointFilter(new WebhookMetricsFilter("twilio"))
            .Produces<WebhookReceipt>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapPost(TwilioBridge.AmdPath, AmdAsync)
            .AllowAnonymous().DisableAntiforgery()
            .WithTags("Webhooks")
            .WithSummary("Twilio async AMD result (AnsweredBy): a person is connected to the agent, a machine is hung up on. Signed with X-Twilio-Signature.")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .AddEndpointFilter(new WebhookMetricsFilter("twilio"))
            .Produces<WebhookReceipt>(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapPost(TwilioBridge.TwimlPath, TwimlAsync)
            .AllowAnonymous().DisableAntiforgery()
            .WithTags("Webhooks")
            .WithSummary("TwiML Twilio fetches when a call placed without machine detection is answered: the agent's stream from ElevenLabs register-call. Signed with X-Twilio-Signature.")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .Produces<string>(StatusCodes.Status200OK, "text/xml").ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<IResult> StatusAsync(HttpContext http, TwilioBridge bridge, IOptions<OrchestratorOptions> options, ILogger<TwilioBridge> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync(http, options.Value, logger, cancellationToken);
        return problem ?? TypedResults.Ok(new { received = true, result = await bridge.OnStatusAsync(request.CallId, request.Attempt, request.Form, cancellationToken) });
    }

    private static async Task<IResult> AmdAsync(HttpContext http, TwilioBridge bridge, IOptions<OrchestratorOptions> options, ILogger<TwilioBridge> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync(http, options.Value, logger, cancellationToken);
        return problem ?? TypedResults.Ok(new { received = true, result = await bridge.OnAmdAsync(request.CallId, request.Attempt, request.Form, cancellationToken) });
    }

    private static async Task<IResult> TwimlAsync(HttpContext http, TwilioBridge bridge, IOptions<OrchestratorOptions> options, ILogger<TwilioBridge> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync(http, options.Value, logger, cancellationToken);
        return problem ?? TypedResults.Text(await bridge.TwimlAtAnswerAsync(request.CallId, request.Attempt, request.Form, cancellationToken), "text/xml", Encoding.UTF8);
    }

    private sealed record TwilioRequest(Guid CallId, int Attempt, IFormCollection Form);

    /// <summary>Reads the form and checks the signature, then the call id and attempt in the query.</summary>
    private static async Task<(TwilioRequest Request, IResult? Problem)> ReadAsync(
        HttpContext http, OrchestratorOptions settings, ILogger logger, CancellationToken cancellationToken)
    {
        var empty = new TwilioRequest(Guid.Empty, 0, FormCollection.Empty);
        IFormCollection form;
        if (!http.Request.HasFormContentType)
        {
            form = FormCollection.Empty;
        }
        else
        {
            try
            {
                form = await http.Request.ReadFormAsync(cancellationToken);
            }
            catch (InvalidDataException)
            {
                return (empty, Problems.Field("body", "The body is not a readable form."));
            }
        }

        var url = settings.EffectivePublicBaseUrl + http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        if (settings.TwilioAuthToken is not { } token
            || !TwilioSignature.IsValid(token, url, TwilioSignature.Parameters(form), http.Request.Headers[TwilioSignature.HeaderName].ToString()))
        {
            logger.LogWarning("Twilio request to {Path} refused: missing or invalid X-Twilio-Signature", http.Request.Path);
            return (empty, TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid signature",
                detail: $"X-Twilio-Signature is missing or does not match {url} and the form parameters."));
        }

        var errors = new ValidationErrors();
        if (!Guid.TryParse(http.Request.Query["callId"], out var callId))
        {
            errors.Add("callId", "The query must name the call (callId).");
        }

        if (!int.TryParse(http.Request.Query["attempt"], out var attempt))
        {
            errors.Add("attempt", "The query must name the attempt (attempt).");
        }

        return !errors.IsEmpty ? (empty, errors.ToResult()) : (new TwilioRequest(callId, attempt, form), null);
    }
}
