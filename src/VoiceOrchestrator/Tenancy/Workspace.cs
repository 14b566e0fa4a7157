namespace VoiceOrchestrator.Tenancy;

/// <summary>A tenant: one business with its own API key, agents, numbers, campaigns and calls.</summary>
public sealed class Workspace
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    /// <summary>SHA-256 of the API key, hex. The key itself is shown once and never stored.</summary>
    public required string ApiKeyHash { get; set; }

    /// <summary>The first characters of the key, so a person can tell keys apart.</summary>
    public required string ApiKeyPrefix { get; set; }

    /// <summary>This workspace's share of the global concurrency limit; null means no workspace limit.</summary>
    public int? ConcurrencyLimit { get; set; }

    public bool IsActive { get; set; } = true;

    /// <summary>JSON object of free-form settings kept for the client.</summary>
    public string? Metadata { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? KeyRotatedAt { get; set; }
}
