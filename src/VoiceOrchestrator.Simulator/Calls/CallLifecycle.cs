using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// Places calls and moves them through initiated → in-progress → done, or initiated → failed, then hands the
/// resulting webhook to the dispatcher. A call stops occupying capacity before its webhook is sent.
/// </summary>
internal sealed class CallLifecycle(SimulatorState state, DueWorkScheduler scheduler, WebhookDispatcher webhooks)
{
    /// <summary>Places a call if the workspace has room; null when it is full.</summary>
    public SimulatedConversation? TryPlace(OutboundCallRequest request, CallChannel channel, SimulatorOptions options)
    {
        var epoch = state.Epoch;
        if (!epoch.TryOccupySlot(options.ConcurrencyLimit, options.ExternalActiveCalls))
        {
            return null;
        }

        var conversation = new SimulatedConversation
        {
            Epoch = epoch,
            Sequence = epoch.NextSequence(),
            ConversationId = ProviderIds.NewConversationId(),
            Channel = channel,
            CallSid = channel == CallChannel.Twilio ? ProviderIds.NewTwilioCallSid() : ProviderIds.NewSipCallId(),
            StreamSid = channel == CallChannel.Twilio ? ProviderIds.NewStreamSid() : null,
            AgentId = request.AgentId,
            AgentName = options.AgentName,
            AgentPhoneNumberId = request.AgentPhoneNumberId,
            AgentNumber = options.AgentNumber,
            ToNumber = request.ToNumber,
            Request = request.Body,
            ClientData = request.ClientData,
            UserId = request.UserId,
            StartedAt = DateTimeOffset.UtcNow,
            Plan = state.Draws.PlanCall(options, request.ToNumber),
        };

        epoch.ActiveConversations[conversation.ConversationId] = conversation;
        epoch.Conversations.Add(conversation, options.MaxStoredConversations);
        epoch.Counters.DialAccepted(request.ToNumber);
        scheduler.Schedule(new ScheduledWork(WorkKind.RingEnds, conversation), options.RingMs);
        return conversation;
    }

    /// <summary>
    /// Starts the conversation of a register-call registration once Twilio connects its stream: the callee is
    /// already on the line, so it is answered at once and runs its drawn duration.
    /// </summary>
    public SimulatedConversation StartRegistered(RegisteredCall registration, string twilioCallSid, SimulatorOptions options, Action ended)
    {
        var epoch = registration.ElevenLabsEpoch;
        var conversation = new SimulatedConversation
        {
            Epoch = epoch,
            Sequence = epoch.NextSequence(),
            ConversationId = ProviderIds.NewConversationId(),
            Channel = CallChannel.Twilio,
            CallSid = twilioCallSid,
            StreamSid = ProviderIds.NewStreamSid(),
            AgentId = registration.AgentId,
            AgentName = options.AgentName,
            AgentPhoneNumberId = "",
            AgentNumber = registration.FromNumber,
            ToNumber = registration.ToNumber,
            Request = registration.Body,
            ClientData = registration.ClientData,
            UserId = registration.UserId,
            StartedAt = DateTimeOffset.UtcNow,
            Plan = state.Draws.PlanCall(options, registration.ToNumber) with { Outcome = CallOutcome.Answered },
            Ended = ended,
        };

        epoch.ActiveConversations[conversation.ConversationId] = conversation;
        epoch.Conversations.Add(conversation, options.MaxStoredConversations);
        scheduler.Schedule(new ScheduledWork(WorkKind.RingEnds, conversation), 0);
        return conversation;
    }

    public void Handle(ScheduledWork work)
    {
        var conversation = work.Conversation;
        if (!ReferenceEquals(conversation.Epoch, state.Epoch))
        {
            return; // Scheduled before a reset: the call no longer exists.
        }

        switch (work.Kind)
        {
            case WorkKind.RingEnds:
                RingEnds(conversation);
                break;
            case WorkKind.CallEnds:
                conversation.MarkDone(DateTimeOffset.UtcNow);
                conversation.Epoch.Counters.CallCompleted();
                End(conversation);
                break;
            case WorkKind.WebhookDue:
                SendWebhook(conversation);
                break;
        }
    }

    /// <summary>Adds finished conversations dated in the past, as if they had happened before the simulator started.</summary>
    public IReadOnlyList<string> SeedFinished(int count, string agentId, string toNumber, SimulatorOptions options)
    {
        var epoch = state.Epoch;
        var now = DateTimeOffset.UtcNow;
        var ids = new List<string>(count);
        for (var index = 0; index < count; index++)
        {
            var startedAt = now.AddMinutes(index - count);
            var durationSecs = 20 + (index * 37 % 160);
            var conversation = new SimulatedConversation
            {
                Epoch = epoch,
                Sequence = epoch.NextSequence(),
                ConversationId = ProviderIds.NewConversationId(),
                Channel = CallChannel.Twilio,
                CallSid = ProviderIds.NewTwilioCallSid(),
                StreamSid = ProviderIds.NewStreamSid(),
                AgentId = agentId,
                AgentName = options.AgentName,
                AgentPhoneNumberId = "phnum_simulated",
                AgentNumber = options.AgentNumber,
                ToNumber = toNumber,
                Request = JsonSerializer.SerializeToElement(
                    new { agent_id = agentId, agent_phone_number_id = "phnum_simulated", to_number = toNumber },
                    ElevenLabsJson.Options),
                StartedAt = startedAt,
                Plan = new CallPlan(CallOutcome.Answered, durationSecs * 1000),
            };
            conversation.MarkAnswered(startedAt.AddSeconds(5));
            conversation.MarkDone(startedAt.AddSeconds(5 + durationSecs));
            epoch.Conversations.Add(conversation, options.MaxStoredConversations);
            ids.Add(conversation.ConversationId);
        }

        return ids;
    }

    private void RingEnds(SimulatedConversation conversation)
    {
        var now = DateTimeOffset.UtcNow;
        if (conversation.Plan.Outcome == CallOutcome.Answered)
        {
            conversation.MarkAnswered(now);
            scheduler.Schedule(new ScheduledWork(WorkKind.CallEnds, conversation), conversation.Plan.DurationMs);
            return;
        }

        conversation.MarkFailed(conversation.Plan.Outcome, now);
        conversation.Epoch.Counters.CallFailed();
        End(conversation);
    }

    private void End(SimulatedConversation conversation)
    {
        var epoch = conversation.Epoch;
        epoch.ActiveConversations.TryRemove(conversation.ConversationId, out _);
        epoch.ReleaseSlot();
        conversation.Ended?.Invoke();

        var options = state.Options;
        if (options.WebhookUrl is null)
        {
            return;
        }

        epoch.Counters.WebhookQueued();
        if (options.WebhookDelayMs > 0)
        {
            scheduler.Schedule(new ScheduledWork(WorkKind.WebhookDue, conversation), options.WebhookDelayMs);
        }
        else
        {
            SendWebhook(conversation);
        }
    }

    private void SendWebhook(SimulatedConversation conversation)
    {
        var options = state.Options;
        var counters = conversation.Epoch.Counters;
        if (options.WebhookUrl is null)
        {
            counters.WebhookDropped(); // The URL was removed while the webhook waited.
            return;
        }

        webhooks.Enqueue(new WebhookDelivery(
            new Uri(options.WebhookUrl),
            options.WebhookSecret,
            options.WebhookRetries,
            TimeSpan.FromMilliseconds(options.WebhookTimeoutMs),
            WebhookPayloads.For(conversation, DateTimeOffset.UtcNow),
            counters));
    }
}
