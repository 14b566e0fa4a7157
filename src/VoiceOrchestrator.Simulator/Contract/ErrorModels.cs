using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>Every error body wraps its content in <c>detail</c> (contract §1).</summary>
internal sealed record ErrorEnvelope<TDetail>(TDetail Detail);

/// <summary>Legacy error detail, still used for bad API keys: <c>{"status":"invalid_api_key","message":…}</c>.</summary>
internal sealed record LegacyErrorDetail(string Status, string Message);

/// <summary>Current error detail: type, code, message, legacy status, request id and optional offending parameter.</summary>
internal sealed record ErrorDetail(
    string Type,
    string Code,
    string Message,
    string Status,
    string RequestId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Param = null);

/// <summary>One entry of FastAPI's <c>HTTPValidationError.detail[]</c>.</summary>
internal sealed record ValidationIssue(IReadOnlyList<string> Loc, string Msg, string Type);
