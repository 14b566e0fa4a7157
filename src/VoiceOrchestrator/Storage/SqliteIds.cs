namespace VoiceOrchestrator.Storage;

/// <summary>How SQLite stores an id: upper-case text, as EF Core writes it (PostgreSQL has a uuid type). Raw SQL must match it.</summary>
public static class SqliteIds
{
    public static string Text(Guid id) => id.ToString().ToUpperInvariant();
}
