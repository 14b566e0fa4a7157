using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VoiceOrchestrator.Hosting;

/// <summary>
/// What every route of the OpenAPI document gets without its author writing it: the errors any
/// route can answer (401 and 429 on routes that need a key, 400 on routes with a body), the
/// Retry-After header of a 429, an empty security list on open routes, and an example for each
/// JSON body built from its schema. A route's own summary and response types are still its
/// author's job; the document test fails on any operation without them.
/// </summary>
public static class ApiDocConventions
{
    public static OpenApiOptions AddApiDocConventions(this OpenApiOptions options)
    {
        // Free-form JSON bound as text is, to clients, the same any-JSON value as a JsonElement.
        options.CreateSchemaReferenceId = type => type.Type == typeof(Api.RawJsonValue)
            ? nameof(System.Text.Json.JsonElement)
            : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        return options.AddOperationTransformer(StandardErrorsAsync).AddDocumentTransformer(ExamplesAsync);
    }

    /// <summary>Swagger UI at /docs over /openapi/v1.json.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "VoiceOrchestrator API";
            ui.SwaggerEndpoint("/openapi/v1.json", "VoiceOrchestrator v1");
        });
        return app;
    }

    private static Task StandardErrorsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var open = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        operation.Responses ??= [];
        if (open)
        {
            // Overrides the document-wide bearer requirement: these routes take no key.
            operation.Security = [];
        }
        else
        {
            AddProblem(operation, "401", "No key, an unknown key, or a disabled workspace.");
            AddProblem(operation, "403", "This key may not use this route.");
            AddProblem(operation, "429", "Over this workspace's request limit; retry after the seconds in Retry-After.");
            if (operation.Responses["429"] is OpenApiResponse tooMany)
            {
                tooMany.Headers ??= new Dictionary<string, IOpenApiHeader>();
                tooMany.Headers["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                };
            }
        }

        if (operation.RequestBody is not null)
        {
            AddProblem(operation, "400", "The body is not valid JSON or a field is invalid; 'errors' names each field.");
        }

        return Task.CompletedTask;
    }

    private static void AddProblem(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails") },
            },
        };
    }

    private static Task ExamplesAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd("ProblemDetails", ProblemDetailsSchema());
        var operations = document.Paths?.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []) ?? [];
        foreach (var operation in operations)
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
            {
                media.Example ??= OpenApiExamples.From(media.Schema, document);
            }

            foreach (var (status, response) in operation.Responses ?? new OpenApiResponses())
            {
                foreach (var media in response.Content?.Values ?? [])
                {
                    media.Example ??= status.StartsWith('2') ? OpenApiExamples.From(media.Schema, document) : OpenApiExamples.Problem(status, response.Description);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
        },
    };
}

/// <summary>Example values made from a schema, with values of this domain for the fields it knows by name.</summary>
public static class OpenApiExamples
{
    public static JsonNode? From(IOpenApiSchema? schema, OpenApiDocument document) => Build(schema, document, null, 0);

    public static JsonNode Problem(string status, string? description) => new JsonObject
    {
        ["type"] = "https://tools.ietf.org/html/rfc9110",
        ["title"] = description ?? "Error",
        ["status"] = int.TryParse(status, out var code) ? code : 400,
        ["detail"] = description ?? "See the title.",
    };

    private static JsonNode? Build(IOpenApiSchema? schema, OpenApiDocument document, string? name, int depth)
    {
        schema = Resolve(schema, document);
        if (schema is null || depth > 5)
        {
            return null;
        }

        if (schema.Examples?.FirstOrDefault() is { } given)
        {
            return given.DeepClone();
        }

        if (schema.Enum is { Count: > 0 } values)
        {
            return values[0]?.DeepClone();
        }

        var variant = schema.OneOf?.FirstOrDefault() ?? schema.AnyOf?.FirstOrDefault() ?? schema.AllOf?.FirstOrDefault();
        if (variant is not null && schema.Properties is not { Count: > 0 })
        {
            return Build(variant, document, name, depth + 1);
        }

        if (schema.Type is null && schema.Properties is not { Count: > 0 } && name is "variables" or "metadata" or "clientData")
        {
            // Free-form JSON: an object a client would plausibly send.
            return new JsonObject { ["firstName"] = "Ana", ["plan"] = "pro" };
        }

        var type = schema.Type ?? (schema.Properties is { Count: > 0 } ? JsonSchemaType.Object : JsonSchemaType.String);
        if (type.HasFlag(JsonSchemaType.Object))
        {
            var result = new JsonObject();
            foreach (var (property, propertySchema) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                result[property] = Build(propertySchema, document, property, depth + 1);
            }

            return result;
        }

        if (type.HasFlag(JsonSchemaType.Array))
        {
            return new JsonArray(Build(schema.Items, document, name, depth + 1));
        }

        if (type.HasFlag(JsonSchemaType.Boolean))
        {
            return true;
        }

        if (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number))
        {
            return KnownNumber(name) ?? (schema.Minimum is { } minimum && double.TryParse(minimum, System.Globalization.CultureInfo.InvariantCulture, out var least) ? (JsonNode)Math.Max(least, 1) : 1);
        }

        return KnownString(name, schema.Format);
    }

    private static IOpenApiSchema? Resolve(IOpenApiSchema? schema, OpenApiDocument document)
    {
        if (schema is OpenApiSchemaReference reference)
        {
            return reference.Target
                   ?? (reference.Reference.Id is { } id && document.Components?.Schemas?.TryGetValue(id, out var found) == true ? found : null);
        }

        return schema;
    }

    private static JsonNode? KnownNumber(string? name) => name?.ToLowerInvariant() switch
    {
        "concurrency" or "concurrencylimit" => 10,
        "machinedetectiontimeout" => 6,
        "page" => 1,
        "limit" => 50,
        "priority" => 0,
        _ => null,
    };

    private static JsonNode KnownString(string? name, string? format)
    {
        switch (format)
        {
            case "date-time":
                return "2026-01-15T09:30:00Z";
            case "uuid":
                return "0b9c1f7e-5d1a-4a8e-9a57-3f2d6c1e8b40";
            case "uri":
                return "https://example.com/";
        }

        var lower = name?.ToLowerInvariant() ?? "";
        return lower switch
        {
            "workspaceid" => "ws_acme",
            "agentid" => "agent_7f3a",
            "agentphonenumberid" or "phonenumberid" => "phnum_9c21",
            "tonumber" or "to" or "phonenumber" => "+14155550123",
            "fromnumber" or "from" => "+14155550100",
            "campaignid" => "spring_promo",
            "conversationid" => "conv_01jx8k2",
            "name" => "Acme",
            "apikey" => "vo_live_4f1c…",
            "provider" => "twilio",
            "state" or "status" => "queued",
            _ => lower.EndsWith("id", StringComparison.Ordinal) ? "id_123" : "text",
        };
    }
}
