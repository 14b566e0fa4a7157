namespace VoiceOrchestrator.Dispatch;

/// <summary>Calls active at the provider that were placed outside this service; they count against the global limit.</summary>
public interface IRemoteActiveCalls
{
    int Count { get; }
}

/// <summary>Used while remote polling is not configured: nothing outside this service dials.</summary>
public sealed class NoRemoteActiveCalls : IRemoteActiveCalls
{
    public int Count => 0;
}
