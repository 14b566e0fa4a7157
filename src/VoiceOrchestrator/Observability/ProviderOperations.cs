namespace VoiceOrchestrator.Observability;

/// <summary>Names the provider request a URL is, and the class of its answer, for metrics.</summary>
public static class ProviderOperations
{
    public const string OutboundCall = "outbound_call";

    public static string Of(HttpMethod method, string path)
    {
        if (method == HttpMethod.Post && path.EndsWith("outbound-call", StringComparison.Ordinal))
        {
            return OutboundCall;
        }

        if (path.Contains("/conversations/", StringComparison.Ordinal))
        {
            return "get_conversation";
        }

        if (path.EndsWith("/conversations", StringComparison.Ordinal))
        {
            return "list_conversations";
        }

        return path.Contains("batch-calling", StringComparison.Ordinal) ? "active_calls" : "other";
    }

    /// <summary>429 is its own class (capacity), apart from other 4xx (refusals).</summary>
    public static string ClassOf(int statusCode) => statusCode switch
    {
        429 => "429",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        _ => "5xx",
    };
}
