using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Keeps the conversation a <c>post_call_transcription</c> webhook carries (the same model as GET
/// conversation): upserted by conversation id, linked to its call, in the workspace of that call
/// (or of its agent when the call is not ours). It never fails the webhook: the call's own
/// handling goes on whatever happens here, and a failure is logged to the sync log.
/// </summary>
public sealed class ConversationWebhookRecorder(
    OrchestratorDbContext db, ConversationWriter writer, SyncLogs logs, TimeProvider clock,
    ILogger<ConversationWebhookRecorder> logger)
{
    public async Task RecordAsync(JsonElement data, CancellationToken cancellationToken)
    {
        string? workspaceId = null;
        try
        {
            var conversationId = data.TryGetProperty("conversation_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            if (string.IsNullOrEmpty(conversationId))
            {
                return;
            }

            var callId = ConversationRecord.UserCallId(data);
            if (callId is not null
                && ConversationRecord.FromDetail(data, UnknownWorkspace, syncedFromApi: false, clock.GetUtcNow().UtcDateTime) is { } ours)
            {
                // Usually our own call's conversation: stored in its workspace by one statement, without looking the call up first.
                ours.CallId = callId;
                if (await writer.UpsertForCallAsync(ours, cancellationToken) > 0)
                {
                    return;
                }
            }

            var call = callId is null
                ? null
                : await db.Calls.Where(c => c.Id == callId).Select(c => new { c.Id, c.WorkspaceId }).FirstOrDefaultAsync(cancellationToken);
            call ??= await db.Calls.Where(c => c.ConversationId == conversationId).Select(c => new { c.Id, c.WorkspaceId }).FirstOrDefaultAsync(cancellationToken);
            workspaceId = call?.WorkspaceId;
            if (workspaceId is null && data.TryGetProperty("agent_id", out var agent) && agent.ValueKind == JsonValueKind.String)
            {
                var agentId = agent.GetString();
                workspaceId = await db.Agents.Where(a => a.AgentId == agentId).OrderBy(a => a.CreatedAt).Select(a => a.WorkspaceId).FirstOrDefaultAsync(cancellationToken);
            }

            if (workspaceId is null)
            {
                logger.LogInformation("Conversation {ConversationId} belongs to no known call or agent; not stored", conversationId);
                return;
            }

            var row = ConversationRecord.FromDetail(data, workspaceId, syncedFromApi: false, clock.GetUtcNow().UtcDateTime);
            if (row is null)
            {
                return;
            }

            // The call was found above, in this workspace: the link needs no second look.
            row.CallId = call?.Id;
            await writer.UpsertLinkedAsync(row, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Could not store the conversation of a post_call_transcription webhook");
            workspaceId ??= await WorkspaceOfCallAsync(data);
            if (workspaceId is not null)
            {
                try
                {
                    await logs.RecordFailureAsync(workspaceId, SyncLogs.Webhook, ex.Message);
                }
                catch (Exception logFailure)
                {
                    logger.LogError(logFailure, "Could not log the failed conversation store either");
                }
            }
        }
    }

    /// <summary>Stands for the workspace of a row stored in its call's workspace (<see cref="ConversationWriter.UpsertForCallAsync"/>).</summary>
    private const string UnknownWorkspace = "";

    /// <summary>For the sync log of a failed store that never looked its call up: the workspace of the call the webhook names, if any.</summary>
    private async Task<string?> WorkspaceOfCallAsync(JsonElement data)
    {
        try
        {
            var callId = ConversationRecord.UserCallId(data);
            return callId is null ? null : await db.Calls.Where(c => c.Id == callId).Select(c => c.WorkspaceId).FirstOrDefaultAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not find the workspace of a webhook's call to log the failed conversation store");
            return null;
        }
    }
}
