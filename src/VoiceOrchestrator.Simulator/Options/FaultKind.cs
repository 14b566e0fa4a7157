using System.Text.Json.Serialization;

namespace VoiceOrchestrator.Simulator;

/// <summary>A fault injected into the response of a dial. JSON names are snake case (<c>server_error_placed</c>).</summary>
[JsonConverter(typeof(LenientEnumConverter<FaultKind>))]
public enum FaultKind
{
    /// <summary>5xx, no call placed.</summary>
    ServerError,

    /// <summary>5xx after the call was placed: the conversation exists and proceeds.</summary>
    ServerErrorPlaced,

    /// <summary>The response hangs, then 504; no call placed.</summary>
    Timeout,

    /// <summary>The response hangs, then 504; the call was placed.</summary>
    TimeoutPlaced,

    /// <summary>400 <c>invalid_parameters</c>; no call placed.</summary>
    Refusal,
}

internal static class FaultKindExtensions
{
    public static bool PlacesCall(this FaultKind fault) => fault is FaultKind.ServerErrorPlaced or FaultKind.TimeoutPlaced;

    public static bool Hangs(this FaultKind fault) => fault is FaultKind.Timeout or FaultKind.TimeoutPlaced;
}
