namespace VoiceOrchestrator.Conversations;

public static class ConversationsServiceCollectionExtensions
{
    /// <summary>Conversation history: storage, webhook recording, manual sync, the hybrid listing and its background store.</summary>
    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        services.AddScoped<ConversationWriter>();
        services.AddSingleton<PostgresConversationBatches>();
        services.AddScoped<ConversationQueries>();
        services.AddScoped<SyncLogs>();
        services.AddScoped<ConversationSync>();
        services.AddScoped<ConversationWebhookRecorder>();
        services.AddScoped<LiveConversations>();
        services.AddScoped<ConversationListing>();
        services.AddSingleton<ConversationBackfill>();
        services.AddHostedService(sp => sp.GetRequiredService<ConversationBackfill>());
        return services;
    }
}
