using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// <c>POST /v1/convai/twilio/outbound-call</c> and <c>POST /v1/convai/sip-trunk/outbound-call</c> (§2, §3):
/// authentication, validation, injected faults, the concurrency limit, then a placed call.
/// </summary>
internal static class OutboundCallEndpoints
{
    private const string SuccessMessage = "Success";

    public static void MapOutboundCallEndpoints(this IEndpointRouteBuilder routes, SimulatorState state)
    {
        routes.MapPost("/v1/convai/twilio/outbound-call", Task<IResult> (HttpContext context) => HandleAsync(context, state, CallChannel.Twilio));
        routes.MapPost("/v1/convai/sip-trunk/outbound-call", Task<IResult> (HttpContext context) => HandleAsync(context, state, CallChannel.SipTrunk));
    }

    private static async Task<IResult> HandleAsync(HttpContext context, SimulatorState state, CallChannel channel)
    {
        var counters = state.Epoch.Counters;
        counters.DialRequested();
        var options = state.Options;
        try
        {
            if (await ProviderGate.EnterAsync(context, options) is { } refused)
            {
                counters.DialRejectedOtherwise();
                return refused;
            }

            var (request, issues) = await OutboundCallRequestReader.ReadAsync(context.Request, context.RequestAborted);
            if (request is null)
            {
                counters.DialRejectedOtherwise();
                return ElevenLabsErrors.Validation(issues);
            }

            var fault = state.Draws.DrawFault(options, request.ToNumber);
            if (fault is { } unplacedFault && !unplacedFault.PlacesCall())
            {
                counters.DialRejectedOtherwise();
                counters.FaultInjected();
                return await FaultAsync(unplacedFault, options, context.RequestAborted);
            }

            if (state.Lifecycle.TryPlace(request, channel, options) is not { } conversation)
            {
                counters.DialRejectedForCapacity();
                return CapacityAnswer(options, channel);
            }

            if (fault is { } placedFault)
            {
                counters.FaultInjected();
                return await FaultAsync(placedFault, options, context.RequestAborted);
            }

            return Success(channel, conversation);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // The client gave up; nobody reads this response.
        }
    }

    private static IResult Success(CallChannel channel, SimulatedConversation conversation) => channel switch
    {
        CallChannel.Twilio => ElevenLabsErrors.Json(
            StatusCodes.Status200OK,
            new TwilioOutboundCallResponse(true, SuccessMessage, conversation.ConversationId, conversation.CallSid)),
        CallChannel.SipTrunk => ElevenLabsErrors.Json(
            StatusCodes.Status200OK,
            new SipTrunkOutboundCallResponse(true, SuccessMessage, conversation.ConversationId, conversation.CallSid)),
    };

    private static IResult CapacityAnswer(SimulatorOptions options, CallChannel channel)
    {
        if (options.CapacityAnswer == CapacityAnswers.SystemBusy)
        {
            return ElevenLabsErrors.SystemBusy();
        }

        if (options.CapacityAnswer != CapacityAnswers.SuccessFalse)
        {
            return ElevenLabsErrors.ConcurrencyLimitExceeded(options.ConcurrencyLimit);
        }

        const string message = "Concurrency limit reached: the call was not placed.";
        return channel switch
        {
            CallChannel.Twilio => ElevenLabsErrors.Json(StatusCodes.Status200OK, new TwilioOutboundCallResponse(false, message, null, null)),
            CallChannel.SipTrunk => ElevenLabsErrors.Json(StatusCodes.Status200OK, new SipTrunkOutboundCallResponse(false, message, null, null)),
        };
    }

    private static async Task<IResult> FaultAsync(FaultKind fault, SimulatorOptions options, CancellationToken requestAborted)
    {
        if (fault.Hangs())
        {
            await Task.Delay(options.TimeoutMs, requestAborted);
            return ElevenLabsErrors.GatewayTimeout();
        }

        return fault == FaultKind.Refusal
            ? ElevenLabsErrors.InvalidParameters("to_number")
            : ElevenLabsErrors.ServerError(options.ServerErrorStatusCode);
    }
}
