namespace VoiceOrchestrator.Conversations;

/// <summary>One conversation to upsert, in the workspace it names or, for a webhook's conversation of our call, in that call's.</summary>
public sealed record ConversationUpsert(Conversation Row, bool WorkspaceFromCall)
{
    public string Sql => WorkspaceFromCall ? ConversationWriter.UpsertInCallsWorkspaceSql : ConversationWriter.UpsertSql;
}
