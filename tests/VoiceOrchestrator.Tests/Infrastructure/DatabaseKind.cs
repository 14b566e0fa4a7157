namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>The two databases the service runs on; storage tests run on both.</summary>
public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

public static class Databases
{
    /// <summary>Theory data: every test marked with it runs once per database.</summary>
    public static TheoryData<DatabaseKind> Both => new() { DatabaseKind.Sqlite, DatabaseKind.Postgres };
}
