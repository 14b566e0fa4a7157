namespace VoiceOrchestrator.Dispatch;

/// <summary>Calls active at the provider that were placed outside this service; they count against the global limit.</summary>
public interface IRemoteActiveCalls
{
    int Count { get; }
}
