using Microsoft.AspNetCore.Http;

namespace VoiceOrchestrator.Simulator;

/// <summary>The error responses of the emulated API, in the shapes of contract §1 and §9.</summary>
internal static class ElevenLabsErrors
{
    public static IResult InvalidApiKey() => Json(
        StatusCodes.Status401Unauthorized,
        new ErrorEnvelope<LegacyErrorDetail>(new LegacyErrorDetail("invalid_api_key", "Invalid API key")));

    public static IResult Validation(IReadOnlyList<ValidationIssue> issues) => Json(
        StatusCodes.Status422UnprocessableEntity,
        new ErrorEnvelope<IReadOnlyList<ValidationIssue>>(issues));

    public static IResult ConcurrencyLimitExceeded(int limit) => Detail(
        StatusCodes.Status429TooManyRequests,
        "rate_limit_error",
        "concurrent_limit_exceeded",
        "too_many_concurrent_requests",
        $"You have reached the maximum of {limit} concurrent conversations for your workspace.");

    public static IResult SystemBusy() => Detail(
        StatusCodes.Status503ServiceUnavailable,
        "service_unavailable",
        "system_busy",
        "system_busy",
        "The system is experiencing heavy traffic, please try again later.");

    public static IResult ServerError(int statusCode) => statusCode == StatusCodes.Status503ServiceUnavailable
        ? Detail(statusCode, "service_unavailable", "service_unavailable", "service_unavailable", "The service is temporarily unavailable.")
        : Detail(statusCode, "server_error", "internal_server_error", "internal_server_error", "An internal error occurred.");

    public static IResult GatewayTimeout() => Detail(
        StatusCodes.Status504GatewayTimeout,
        "server_error",
        "gateway_timeout",
        "gateway_timeout",
        "The request timed out.");

    public static IResult InvalidParameters(string param) => Detail(
        StatusCodes.Status400BadRequest,
        "validation_error",
        "invalid_parameters",
        "invalid_parameters",
        $"The value of '{param}' was rejected.",
        param);

    public static IResult ConversationNotFound(string conversationId) => Detail(
        StatusCodes.Status404NotFound,
        "not_found",
        "conversation_not_found",
        "conversation_not_found",
        $"Conversation {conversationId} not found.");

    public static IResult Json<TBody>(int statusCode, TBody body) =>
        Results.Json(body, ElevenLabsJson.Options, statusCode: statusCode);

    private static IResult Detail(int statusCode, string type, string code, string status, string message, string? param = null) => Json(
        statusCode,
        new ErrorEnvelope<ErrorDetail>(new ErrorDetail(type, code, message, status, ProviderIds.NewRequestId(), param)));
}
