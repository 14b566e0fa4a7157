using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace VoiceOrchestrator.Simulator;

/// <summary>Reads an outbound-call body and reports problems the way FastAPI (pydantic v2) does.</summary>
internal static class OutboundCallRequestReader
{
    private const string ClientDataField = "conversation_initiation_client_data";
    private static readonly string[] RequiredFields = ["agent_id", "agent_phone_number_id", "to_number"];

    public static async Task<(OutboundCallRequest? Request, IReadOnlyList<ValidationIssue> Issues)> ReadAsync(
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            body = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (null, [new ValidationIssue(["body"], "JSON decode error", "json_invalid")]);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, [new ValidationIssue(["body"], "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")]);
        }

        var issues = new List<ValidationIssue>();
        var values = new string[RequiredFields.Length];
        for (var index = 0; index < RequiredFields.Length; index++)
        {
            var field = RequiredFields[index];
            if (!body.TryGetProperty(field, out var value))
            {
                issues.Add(new ValidationIssue(["body", field], "Field required", "missing"));
            }
            else if (value.ValueKind != JsonValueKind.String)
            {
                issues.Add(new ValidationIssue(["body", field], "Input should be a valid string", "string_type"));
            }
            else
            {
                values[index] = value.GetString()!;
            }
        }

        JsonElement? clientData = null;
        string? userId = null;
        if (body.TryGetProperty(ClientDataField, out var clientDataValue))
        {
            if (clientDataValue.ValueKind == JsonValueKind.Object)
            {
                clientData = clientDataValue;
                if (clientDataValue.TryGetProperty("user_id", out var userIdValue) && userIdValue.ValueKind == JsonValueKind.String)
                {
                    userId = userIdValue.GetString();
                }
            }
            else if (clientDataValue.ValueKind != JsonValueKind.Null)
            {
                issues.Add(new ValidationIssue(
                    ["body", ClientDataField],
                    "Input should be a valid dictionary or object to extract fields from",
                    "model_attributes_type"));
            }
        }

        return issues.Count > 0
            ? (null, issues)
            : (new OutboundCallRequest(values[0], values[1], values[2], clientData, userId, body), issues);
    }
}
