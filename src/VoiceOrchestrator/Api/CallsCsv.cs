using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Api;

/// <summary>A page of <c>GET /calls</c> as CSV: the call's flat fields, in the JSON answer's names and values.</summary>
public static class CallsCsv
{
    private static readonly string[] Header =
    [
        "id", "workspaceId", "campaignId", "batchId", "status", "lane", "agentId", "agentPhoneNumberId", "toNumber", "fromNumber",
        "gateMode", "attempts", "maxAttempts", "conversationId", "providerCallId", "twilioCallSid", "failureReason", "terminationReason",
        "durationSecs", "amdStatus", "answeredBy", "costTwilio", "costElevenLabs", "callQuality", "jitter", "packetLoss", "mosScore",
        "createdAt", "dialedAt", "answeredAt", "endedAt",
    ];

    public static IResult Write(IEnumerable<Call> calls) =>
        CsvOutput.Write("calls.csv", Header, calls.Select(c => (IReadOnlyList<object?>)
        [
            c.Id, c.WorkspaceId, c.CampaignId, c.BatchId, c.State.ToWire(), c.Lane == CallLane.Priority ? "priority" : "bulk", c.AgentId,
            c.AgentPhoneNumberId, c.ToNumber, c.FromNumber, c.GateMode.ToWire(), c.Attempts, c.MaxAttempts, c.ConversationId, c.ProviderCallId,
            c.TwilioCallSid, c.FailureReason, c.TerminationReason, c.DurationSecs, c.AmdStatus, c.AnsweredBy, c.CostTwilio, c.CostElevenLabs,
            c.CallQuality, c.Jitter, c.PacketLoss, c.MosScore, c.CreatedAt, c.DialedAt, c.AnsweredAt, c.EndedAt,
        ]));
}
