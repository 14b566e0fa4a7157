using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Applies the hand-written SQL migrations (embedded resources under Storage/Migrations/{Sqlite,Postgres})
/// in version order, each in its own transaction, and records them in <c>schema_migrations</c>.
/// Several instances may start at once: PostgreSQL serialises them with a transaction-scoped
/// advisory lock (which, unlike a session lock, also works behind PgBouncer), SQLite with BEGIN IMMEDIATE.
/// </summary>
public sealed class SchemaMigrator(OrchestratorDbContext db, ILogger<SchemaMigrator> logger)
{
    private const long MigrationLockKey = 0x564F_4D49_4752; // "VOMIGR"

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var provider = db.Database.IsNpgsql() ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;
        var scripts = LoadScripts(provider);
        var applied = new List<string>();

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = db.Database.GetDbConnection();
            if (provider == DatabaseProvider.Sqlite)
            {
                // WAL lets readers run while the dispatcher writes; it is a property of the file, set once.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
            }

            await ExecuteAsync(connection, null,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);",
                cancellationToken);

            foreach (var (version, sql) in scripts)
            {
                await using var transaction = provider == DatabaseProvider.Sqlite
                    ? await BeginImmediateAsync(connection, cancellationToken)
                    : await connection.BeginTransactionAsync(cancellationToken);
                if (provider == DatabaseProvider.Postgres)
                {
                    await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey});", cancellationToken);
                }

                if (await IsAppliedAsync(connection, transaction, version, cancellationToken))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    continue;
                }

                await ExecuteAsync(connection, transaction, sql, cancellationToken);
                await using (var record = connection.CreateCommand())
                {
                    record.Transaction = transaction;
                    record.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at);";
                    AddParameter(record, "@version", version);
                    AddParameter(record, "@at", DateTime.UtcNow.ToString("O"));
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied.Add(version);
                logger.LogInformation("Applied migration {Version} ({Provider})", version, provider);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return applied;
    }

    /// <summary>The migrations shipped with this build, in the order they apply.</summary>
    public static IReadOnlyList<(string Version, string Sql)> LoadScripts(DatabaseProvider provider)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{provider}.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (Version: name[prefix.Length..^".sql".Length], Sql: ReadResource(assembly, name)))
            .ToList();
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Migration resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<DbTransaction> BeginImmediateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite starts deferred transactions; take the write lock up front so two
        // processes migrating the same file cannot both pass the "already applied?" check.
        var sqlite = (Microsoft.Data.Sqlite.SqliteConnection)connection;
        return await Task.FromResult<DbTransaction>(sqlite.BeginTransaction(deferred: false));
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, string version, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM schema_migrations WHERE version = @version;";
        AddParameter(command, "@version", version);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
