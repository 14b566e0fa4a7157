using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>The operations test classes, each in its own collection so that they run side by side.</summary>
public static class OperationsCollections
{
    public const string Metrics = "ops-metrics";
    public const string ApiDocs = "ops-api-docs";
    public const string RateLimits = "ops-rate-limits";
    public const string Processes = "ops-processes";
    public const string Container = "ops-container";
}

[CollectionDefinition(OperationsCollections.Metrics)]
public sealed class MetricsCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(OperationsCollections.ApiDocs)]
public sealed class ApiDocsCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(OperationsCollections.RateLimits)]
public sealed class RateLimitsCollection : ICollectionFixture<PostgresFixture>;

[CollectionDefinition(OperationsCollections.Processes)]
public sealed class ProcessesCollection;

[CollectionDefinition(OperationsCollections.Container)]
public sealed class ContainerCollection : ICollectionFixture<PostgresFixture>;
