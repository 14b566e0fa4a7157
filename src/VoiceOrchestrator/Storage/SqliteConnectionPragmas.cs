using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Per-connection SQLite settings: wait for the writer instead of failing with SQLITE_BUSY, and
/// with WAL, NORMAL sync is crash-safe for the database (a power loss may drop the last commits).
/// While <see cref="SqliteCheckpointer"/> runs, automatic checkpoints are off: a checkpoint syncs
/// the file, and run inside a commit it would hold up whichever write crossed the threshold.
/// The settings belong to the native connection, which the pool keeps open across logical opens,
/// so they are set once per native connection rather than on every open.
/// Temporary storage is kept in memory: the group commit runs each write under a savepoint, and
/// SQLite journals every page a savepoint touches into a sub-journal, which past 64 KiB it moves
/// to a temporary file. In the dispatch benchmark on SQLite those journal writes were two thirds of
/// the service's <c>pwrite</c> calls; kept in memory, they are page copies without a system call.
/// Sorts and temporary tables too large for memory are not expected here: reports read day summaries.
/// </summary>
public sealed class SqliteConnectionPragmas(SqliteCheckpointer? checkpointer) : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";

    /// <summary>SQLite's own default, for a connection that outlives the checkpointer.</summary>
    private const int DefaultAutoCheckpointPages = 1000;

    /// <summary>What each native connection was given; entries go with their handle.</summary>
    private readonly ConditionalWeakTable<object, Applied> _applied = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Pending(connection) is { } sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Pending(connection) is { } sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The statements this native connection still needs, or null; marks them as applied.</summary>
    private string? Pending(DbConnection connection)
    {
        var manual = checkpointer?.IsRunning == true;
        // Without a native handle (not expected once open) there is nothing to remember it by: apply every time.
        if ((connection as SqliteConnection)?.Handle is not { } handle)
        {
            return Pragmas + AutoCheckpoint(manual);
        }

        if (!_applied.TryGetValue(handle, out var applied))
        {
            _applied.AddOrUpdate(handle, new Applied(manual));
            return Pragmas + AutoCheckpoint(manual);
        }

        if (applied.ManualCheckpoints != manual)
        {
            applied.ManualCheckpoints = manual;
            return AutoCheckpoint(manual);
        }

        return null;
    }

    private static string AutoCheckpoint(bool manual) =>
        $" PRAGMA wal_autocheckpoint={(manual ? 0 : DefaultAutoCheckpointPages)};";

    private sealed class Applied(bool manualCheckpoints)
    {
        public bool ManualCheckpoints { get; set; } = manualCheckpoints;
    }
}
