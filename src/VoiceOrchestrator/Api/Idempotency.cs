using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Api;

/// <summary>Marks a call-creating route as honouring the <c>Idempotency-Key</c> header.</summary>
public sealed class IdempotentAttribute : Attribute;

/// <summary>The key and body digest of the current request, for the handler to store with its answer.</summary>
public sealed record IdempotentRequest(string Scope, string Key, string RequestHash)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public IdempotencyRecord ToRecord(int statusCode, string responseBody, DateTime now) => new()
    {
        WorkspaceId = Scope,
        Key = Key,
        RequestHash = RequestHash,
        StatusCode = statusCode,
        ResponseBody = responseBody,
        CreatedAt = now,
        ExpiresAt = now + Lifetime,
    };
}

/// <summary>
/// For routes marked <see cref="IdempotentAttribute"/> that carry an <c>Idempotency-Key</c>: the same
/// key and body within 24 hours replays the first answer; the same key with another body is 422.
/// The handler stores the answer in the same transaction as the calls it creates, so a key is
/// either fully used or not at all; the primary key on (scope, key) settles two racing requests.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next)
{
    public const string HeaderName = "Idempotency-Key";
    private const int MaxKeyLength = 255;

    public async Task InvokeAsync(HttpContext context, OrchestratorDbContext db, TimeProvider clock)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotentAttribute>() is null
            || !context.Request.Headers.TryGetValue(HeaderName, out var values)
            || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        var key = values.ToString().Trim();
        if (key.Length is 0 or > MaxKeyLength)
        {
            await Problems.Field(HeaderName, $"Must be 1-{MaxKeyLength} characters.").ExecuteAsync(context);
            return;
        }

        context.Request.EnableBuffering();
        var hash = await HashBodyAsync(context);
        var request = new IdempotentRequest(WorkspaceResolver.IdempotencyScope(context.User), key, hash);

        if (await ReplayAsync(context, db, request, clock.GetUtcNow().UtcDateTime))
        {
            return;
        }

        context.Features.Set(request);
        await next(context);
    }

    /// <summary>Answers from a stored record when there is one; true when the request is settled.</summary>
    public static async Task<bool> ReplayAsync(HttpContext context, OrchestratorDbContext db, IdempotentRequest request, DateTime now)
    {
        var stored = await db.IdempotencyKeys.FirstOrDefaultAsync(
            r => r.WorkspaceId == request.Scope && r.Key == request.Key && r.ExpiresAt > now, context.RequestAborted);
        if (stored is null)
        {
            return false;
        }

        if (stored.RequestHash != request.RequestHash)
        {
            await Problems.Unprocessable(
                $"Idempotency-Key '{request.Key}' was already used with a different request body; use a new key for a new request.")
                .ExecuteAsync(context);
            return true;
        }

        context.Response.StatusCode = stored.StatusCode;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers["Idempotent-Replayed"] = "true";
        await context.Response.WriteAsync(stored.ResponseBody, context.RequestAborted);
        return true;
    }

    private static async Task<string> HashBodyAsync(HttpContext context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(context.Request.Method + " " + context.Request.Path + "\n" + context.Request.Headers[GateModes.HeaderName] + "\n"));
        var buffer = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            sha.AppendData(buffer, 0, read);
        }

        context.Request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
