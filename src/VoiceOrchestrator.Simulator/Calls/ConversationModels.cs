using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>Renders a simulated conversation in the contract's conversation shapes (detail §7, summary §6).</summary>
internal static class ConversationModels
{
    private const int CreditsPerSecond = 10;
    private const string DefaultFirstMessage = "Hello, this is a simulated agent calling.";
    private const string Summary = "Simulated conversation: the agent introduced itself and the user acknowledged.";
    private const string SummaryTitle = "Simulated call";

    public static string CallSuccessful(ConversationProgress progress) => progress.Status switch
    {
        ConversationStatus.Done => "success",
        ConversationStatus.Failed or ConversationStatus.Initiated or ConversationStatus.InProgress => "unknown",
    };

    public static ConversationDetailModel Detail(SimulatedConversation conversation, ConversationProgress progress, DateTimeOffset now)
    {
        var durationSecs = DurationSecs(progress, now);
        var analysis = progress.Status == ConversationStatus.Done
            ? new ConversationAnalysisModel(
                CallSuccessful(progress),
                Summary,
                SummaryTitle,
                new Dictionary<string, object>(),
                new Dictionary<string, object>())
            : null;
        var answered = progress.AnsweredAt is not null;

        return new ConversationDetailModel(
            conversation.AgentId,
            conversation.AgentName,
            conversation.ConversationId,
            progress.Status.ToWire(),
            conversation.UserId,
            Transcript(conversation, progress, durationSecs),
            new ConversationMetadataModel(
                conversation.StartedAt.ToUnixTimeSeconds(),
                progress.AnsweredAt?.ToUnixTimeSeconds(),
                durationSecs,
                durationSecs * CreditsPerSecond,
                TerminationReason(progress),
                new ChargingModel(DevDiscount: false, IsBurst: false),
                PhoneCall(conversation, progress),
                BatchCall: null,
                Error(conversation.Channel, progress),
                MainLanguage: "en",
                TextOnly: false),
            analysis,
            conversation.ClientData,
            HasAudio: answered,
            HasUserAudio: answered,
            HasResponseAudio: answered,
            HasAuxiliaryAudio: false);
    }

    public static ConversationSummaryModel Summarize(
        SimulatedConversation conversation,
        ConversationProgress progress,
        DateTimeOffset now,
        bool includeSummary)
    {
        var durationSecs = DurationSecs(progress, now);
        var done = progress.Status == ConversationStatus.Done;
        return new ConversationSummaryModel(
            conversation.AgentId,
            conversation.AgentName,
            conversation.ConversationId,
            conversation.StartedAt.ToUnixTimeSeconds(),
            durationSecs,
            Transcript(conversation, progress, durationSecs).Count,
            progress.Status.ToWire(),
            CallSuccessful(progress),
            Direction: "outbound",
            TerminationReason(progress),
            includeSummary && done ? Summary : null,
            includeSummary && done ? SummaryTitle : null);
    }

    private static int DurationSecs(ConversationProgress progress, DateTimeOffset now) =>
        progress.AnsweredAt is { } answeredAt
            ? (int)Math.Round(((progress.EndedAt ?? now) - answeredAt).TotalSeconds, MidpointRounding.AwayFromZero)
            : 0;

    private static string TerminationReason(ConversationProgress progress) => (progress.Status, progress.Result) switch
    {
        (ConversationStatus.Done, _) => "Call ended by remote party",
        (ConversationStatus.Failed, CallOutcome.Busy) => "Call was busy",
        (ConversationStatus.Failed, CallOutcome.NoAnswer) => "Call was not answered",
        (ConversationStatus.Failed, _) => "Call failed",
        _ => "",
    };

    private static PhoneCallModel PhoneCall(SimulatedConversation conversation, ConversationProgress progress) => new(
        conversation.Channel.PhoneCallType(),
        Direction: "outbound",
        conversation.AgentPhoneNumberId,
        conversation.AgentNumber,
        conversation.ToNumber,
        conversation.StreamSid,
        conversation.CallSid,
        CallId: conversation.Channel == CallChannel.SipTrunk ? conversation.CallSid : null,
        progress.Result?.CallResult());

    private static ConversationErrorModel? Error(CallChannel channel, ConversationProgress progress) =>
        progress.Status == ConversationStatus.Failed && progress.Result is { } outcome
            ? new ConversationErrorModel(ProviderFailures.SipStatusCode(outcome), ProviderFailures.Reason(channel, outcome))
            : null;

    private static List<TranscriptTurnModel> Transcript(SimulatedConversation conversation, ConversationProgress progress, int durationSecs)
    {
        if (progress.AnsweredAt is null)
        {
            return [];
        }

        var turns = new List<TranscriptTurnModel>(3) { Turn("agent", FirstMessage(conversation), 0) };
        if (progress.Status == ConversationStatus.Done)
        {
            turns.Add(Turn("user", "Hi, yes?", Math.Min(2, durationSecs)));
            turns.Add(Turn("agent", "Thank you for your time. Goodbye.", durationSecs));
        }

        return turns;
    }

    private static TranscriptTurnModel Turn(string role, string message, int timeInCallSecs) =>
        new(role, message, timeInCallSecs, [], [], Feedback: null, Interrupted: false);

    /// <summary>The override's first message with dynamic variables filled in, so clients can see their variables arrived.</summary>
    private static string FirstMessage(SimulatedConversation conversation)
    {
        if (conversation.ClientData is not { } clientData)
        {
            return DefaultFirstMessage;
        }

        var message = clientData.TryGetProperty("conversation_config_override", out var overrides)
            && overrides.ValueKind == JsonValueKind.Object
            && overrides.TryGetProperty("agent", out var agent)
            && agent.ValueKind == JsonValueKind.Object
            && agent.TryGetProperty("first_message", out var firstMessage)
            && firstMessage.ValueKind == JsonValueKind.String
                ? firstMessage.GetString()!
                : DefaultFirstMessage;

        if (clientData.TryGetProperty("dynamic_variables", out var variables) && variables.ValueKind == JsonValueKind.Object)
        {
            foreach (var variable in variables.EnumerateObject())
            {
                var text = variable.Value.ValueKind == JsonValueKind.String ? variable.Value.GetString() : variable.Value.GetRawText();
                message = message.Replace("{{" + variable.Name + "}}", text, StringComparison.Ordinal);
            }
        }

        return message;
    }
}
