namespace VoiceOrchestrator.Reporting;

/// <summary>
/// The figures both daily aggregates keep; stored as columns of their owner's table (snake_case of
/// the property name). Every figure is a sum, so totals over any set of days or keys are sums too.
/// How each one is computed from a call is in <see cref="CallFigureSql"/>.
/// </summary>
public sealed class DailyCallTotals
{
    public int TotalCalls { get; set; }
    public int Completed { get; set; }
    public int Busy { get; set; }
    public int NoAnswer { get; set; }
    public int MachineDetected { get; set; }
    public int Failed { get; set; }
    public int Cancelled { get; set; }
    public int Expired { get; set; }
    public int AmdHuman { get; set; }
    public int AmdMachine { get; set; }
    public int AmdUnknown { get; set; }

    /// <summary>Calls AMD called human that the agent then found to be a voicemail (ended <c>machine_detected</c>).</summary>
    public int AmdFalsePositive { get; set; }

    public long TotalDurationSecs { get; set; }
    public long CompletedSecs { get; set; }
    public long BusySecs { get; set; }
    public long NoAnswerSecs { get; set; }
    public long MachineDetectedSecs { get; set; }
    public long FailedSecs { get; set; }
    public long CancelledSecs { get; set; }
    public long ExpiredSecs { get; set; }
    public long BillableMinutes { get; set; }

    // Money in millionths of a US dollar and quality sums in thousandths, each call rounded once:
    // whole numbers add up to the same total in any order, so a range sums to the same figure from
    // raw calls as from the days they were rolled up into.
    public long CostTwilioMicros { get; set; }
    public long CostElevenLabsMicros { get; set; }
    public long EstimatedSavingsMicros { get; set; }

    /// <summary>Calls with any quality figure (MOS, network figures or a quality label).</summary>
    public int QualitySamples { get; set; }

    public int MosSamples { get; set; }

    /// <summary>Calls with both jitter and packet loss.</summary>
    public int NetworkSamples { get; set; }

    public long MosSumMilli { get; set; }
    public long JitterSumMilli { get; set; }
    public long PacketLossSumMilli { get; set; }
    public int QualityExcellent { get; set; }
    public int QualityGood { get; set; }
    public int QualityFair { get; set; }
    public int QualityPoor { get; set; }
}
