namespace VoiceOrchestrator.Conversations;

/// <summary>One conversation to upsert, in the workspace it names or, for a webhook's conversation of our call, in that call's.</summary>
public sealed record ConversationUpsert(Conversation Row, bool WorkspaceFromCall)
{
    /// <summary>The statement with named parameters (SQLite).</summary>
    public string Sql => WorkspaceFromCall ? ConversationWriter.UpsertInCallsWorkspaceSql : ConversationWriter.UpsertSql;

    /// <summary>The same statement with positional parameters (PostgreSQL), bound by <c>ConversationWriter.Bind</c> unnamed.</summary>
    public string PositionalSql => WorkspaceFromCall ? ConversationWriter.PositionalUpsertInCallsWorkspaceSql : ConversationWriter.PositionalUpsertSql;
}
