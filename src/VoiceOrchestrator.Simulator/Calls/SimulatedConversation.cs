using System.Text.Json;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// One conversation the emulated platform knows about. Identity and the recorded request never change;
/// the progress (status, times, result) is written by the scheduler loop and read by request threads, under a lock.
/// </summary>
internal sealed class SimulatedConversation
{
    private readonly Lock _lock = new();
    private ConversationProgress _progress = ConversationProgress.Initiated;

    public required SimulationEpoch Epoch { get; init; }
    public required long Sequence { get; init; }
    public required string ConversationId { get; init; }
    public required CallChannel Channel { get; init; }

    /// <summary>Twilio call SID, or the SIP call id for SIP trunk calls.</summary>
    public required string CallSid { get; init; }

    public string? StreamSid { get; init; }
    public required string AgentId { get; init; }
    public required string AgentName { get; init; }
    public required string AgentPhoneNumberId { get; init; }
    public required string AgentNumber { get; init; }
    public required string ToNumber { get; init; }

    /// <summary>The whole outbound-call request body as received.</summary>
    public required JsonElement Request { get; init; }

    public JsonElement? ClientData { get; init; }
    public string? UserId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required CallPlan Plan { get; init; }

    /// <summary>Called once the conversation has ended and released its slot (a Twilio-bridged call hangs up its Twilio leg).</summary>
    public Action? Ended { get; init; }

    /// <summary>Sort key: start time in milliseconds, ties broken by arrival.</summary>
    public (long StartedAtMs, long Sequence) OrderKey => (StartedAt.ToUnixTimeMilliseconds(), Sequence);

    public ConversationProgress Progress
    {
        get
        {
            lock (_lock)
            {
                return _progress;
            }
        }
    }

    public void MarkAnswered(DateTimeOffset at) => Update(progress => progress with
    {
        Status = ConversationStatus.InProgress,
        AnsweredAt = at,
        Result = CallOutcome.Answered,
    });

    public void MarkDone(DateTimeOffset at) => Update(progress => progress with { Status = ConversationStatus.Done, EndedAt = at });

    public void MarkFailed(CallOutcome outcome, DateTimeOffset at) => Update(progress => progress with
    {
        Status = ConversationStatus.Failed,
        EndedAt = at,
        Result = outcome,
    });

    private void Update(Func<ConversationProgress, ConversationProgress> change)
    {
        lock (_lock)
        {
            _progress = change(_progress);
        }
    }
}

/// <summary>A consistent reading of a conversation's mutable part.</summary>
internal sealed record ConversationProgress(
    ConversationStatus Status,
    DateTimeOffset? AnsweredAt,
    DateTimeOffset? EndedAt,
    CallOutcome? Result)
{
    public static ConversationProgress Initiated { get; } = new(ConversationStatus.Initiated, null, null, null);
}
