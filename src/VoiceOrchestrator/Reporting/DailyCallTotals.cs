namespace VoiceOrchestrator.Reporting;

/// <summary>The figures both daily aggregates keep; stored as columns of their owner's table.</summary>
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
    public long TotalDurationSecs { get; set; }
    public double BillableMinutes { get; set; }
    public double CostTwilio { get; set; }
    public double CostElevenLabs { get; set; }
    public double EstimatedSavings { get; set; }
    public int QualitySamples { get; set; }
    public double MosSum { get; set; }
    public double JitterSum { get; set; }
    public double PacketLossSum { get; set; }
    public int QualityExcellent { get; set; }
    public int QualityGood { get; set; }
    public int QualityFair { get; set; }
    public int QualityPoor { get; set; }
}
