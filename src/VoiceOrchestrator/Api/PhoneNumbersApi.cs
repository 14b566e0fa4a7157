using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>The numbers a workspace calls from: ElevenLabs phone number ids (<c>phnum_…</c>) with their E.164 number.</summary>
public static class PhoneNumbersApi
{
    public static RouteGroupBuilder MapPhoneNumbersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/phone-numbers").RequireAuthorization(AuthorizationPolicies.Workspace).WithTags("Phone numbers");
        group.MapPost("/", CreatePhoneNumber).WithSummary("Register a number imported into ElevenLabs.")
            .Produces<PhoneNumberResponse>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(409);
        group.MapGet("/", ListPhoneNumbers).WithSummary("List the workspace's numbers.").Produces<PhoneNumberResponse[]>();
        group.MapGet("/{phoneNumberId}", GetPhoneNumber).WithSummary("Read one number.").Produces<PhoneNumberResponse>().ProducesProblem(404);
        group.MapDelete("/{phoneNumberId}", DeletePhoneNumber).WithSummary("Remove a number that no queued or active call uses.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    public static async Task<IResult> CreatePhoneNumber(
        CreatePhoneNumberRequest request, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, request.WorkspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var errors = new ValidationErrors();
        var id = request.PhoneNumberId?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            errors.Add("phoneNumberId", "Required: the ElevenLabs phone number id (phnum_…).");
        }
        else if (!id.StartsWith("phnum_", StringComparison.Ordinal) || id.Length > 128)
        {
            errors.Add("phoneNumberId", "Must be an ElevenLabs phone number id starting with 'phnum_'.");
        }

        var number = request.PhoneNumber ?? request.Number;
        if (!PhoneNumbers.IsE164(number))
        {
            errors.Add("phoneNumber", "Required: an E.164 number such as +14155550100.");
        }

        TelephonyProvider provider = TelephonyProvider.Twilio;
        if (request.Provider is not null && !SnakeCaseEnumConverter<TelephonyProvider>.TryParse(request.Provider, out provider))
        {
            errors.Add("provider", "Must be 'twilio' or 'sip_trunk'.");
        }

        if (request.OutboundCallsPath is { } path && !path.StartsWith('/'))
        {
            errors.Add("outboundCallsPath", "Must be a path starting with '/'.");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        if (await db.PhoneNumbers.AnyAsync(p => p.WorkspaceId == scope.WorkspaceId && p.PhoneNumberId == id, cancellationToken))
        {
            return Problems.Conflict($"Phone number '{id}' is already registered.");
        }

        var phoneNumber = new PhoneNumber
        {
            Id = Guid.CreateVersion7(),
            WorkspaceId = scope.WorkspaceId!,
            PhoneNumberId = id!,
            Number = number!,
            Provider = provider,
            Label = request.Label,
            OutboundCallsPath = request.OutboundCallsPath,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.PhoneNumbers.Add(phoneNumber);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/phone-numbers/{id}", PhoneNumberResponse.From(phoneNumber));
    }

    public static async Task<IResult> ListPhoneNumbers(
        [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var numbers = await db.PhoneNumbers.Where(p => p.WorkspaceId == scope.WorkspaceId).OrderBy(p => p.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(numbers.Select(PhoneNumberResponse.From));
    }

    public static async Task<IResult> GetPhoneNumber(
        string phoneNumberId, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var number = await db.PhoneNumbers.FirstOrDefaultAsync(p => p.WorkspaceId == scope.WorkspaceId && p.PhoneNumberId == phoneNumberId, cancellationToken);
        return number is null ? Problems.NotFound($"Phone number '{phoneNumberId}'") : TypedResults.Ok(PhoneNumberResponse.From(number));
    }

    public static async Task<IResult> DeletePhoneNumber(
        string phoneNumberId, [FromQuery] string? workspaceId, ClaimsPrincipal user, WorkspaceResolver resolver, OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var scope = await resolver.ResolveAsync(user, workspaceId, cancellationToken);
        if (scope.Error is not null)
        {
            return scope.Error;
        }

        var number = await db.PhoneNumbers.FirstOrDefaultAsync(p => p.WorkspaceId == scope.WorkspaceId && p.PhoneNumberId == phoneNumberId, cancellationToken);
        if (number is null)
        {
            return Problems.NotFound($"Phone number '{phoneNumberId}'");
        }

        var busy = await db.Calls.AnyAsync(
            c => c.WorkspaceId == scope.WorkspaceId && c.AgentPhoneNumberId == phoneNumberId
                 && (c.State == CallState.Queued || c.State == CallState.Dialing || c.State == CallState.Ringing || c.State == CallState.InProgress),
            cancellationToken);
        if (busy)
        {
            return Problems.Conflict($"Phone number '{phoneNumberId}' still has queued or active calls; cancel them first.");
        }

        await db.PhoneNumbers.Where(p => p.Id == number.Id).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}

public sealed record CreatePhoneNumberRequest(
    string? WorkspaceId, string? PhoneNumberId, string? PhoneNumber, string? Number, string? Provider, string? Label, string? OutboundCallsPath);

public sealed record PhoneNumberResponse(string PhoneNumberId, string PhoneNumber, string Provider, string? Label, string? OutboundCallsPath, DateTime CreatedAt)
{
    public static PhoneNumberResponse From(PhoneNumber p) =>
        new(p.PhoneNumberId, p.Number, SnakeCaseEnumConverter<TelephonyProvider>.ToName(p.Provider), p.Label, p.OutboundCallsPath, p.CreatedAt);
}
