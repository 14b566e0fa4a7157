using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace VoiceOrchestrator.Api;

/// <summary>
/// Turns what the framework rejects before a handler runs (malformed JSON, a value of the wrong
/// type, an oversized body) into problem+json that names the field, instead of an empty 400 or a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = badRequest.StatusCode,
            Title = badRequest.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "Request body too large",
                StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                _ => "Malformed request",
            },
            Detail = badRequest.StatusCode == StatusCodes.Status400BadRequest ? "The request body could not be read as the expected JSON." : badRequest.Message,
        };

        if (FindJsonException(badRequest) is { } json)
        {
            var field = FieldName(json.Path);
            problem.Title = "Validation failed";
            problem.Detail = json.Path is null or "$"
                ? "The request body is not valid JSON."
                : $"'{field}' has a value of the wrong type or is malformed.";
            problem.Extensions["errors"] = new Dictionary<string, string[]>
            {
                [field] = [json.Path is null or "$" ? "The body must be a JSON object." : "The value has the wrong type or is malformed."],
            };
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    /// <summary>"$.calls[3].toNumber" → "calls[3].toNumber", the same form the validators use.</summary>
    private static string FieldName(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
