using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Several reads from one snapshot of the database, so that a row written meanwhile cannot be
/// counted by one read and missed or counted again by the next (a conversation listing and its
/// total; a report's day summaries, raw calls and aggregates). SQLite: a deferred transaction, which in WAL mode reads one
/// snapshot and never blocks a writer; PostgreSQL: REPEATABLE READ. Nothing is written; disposing rolls back.
/// </summary>
public sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly OrchestratorDbContext _db;
    private readonly DbTransaction _transaction;

    private ReadSnapshot(OrchestratorDbContext db, DbTransaction transaction)
    {
        _db = db;
        _transaction = transaction;
    }

    /// <summary>The transaction that commands of this snapshot run in (SQLite requires it on each command).</summary>
    public DbTransaction Transaction => _transaction;

    public static async Task<ReadSnapshot> BeginAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: true)
            : await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await db.Database.UseTransactionAsync(transaction, cancellationToken);
        return new ReadSnapshot(db, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.Database.UseTransactionAsync(null);
        await _transaction.RollbackAsync();
        await _transaction.DisposeAsync();
        await _db.Database.CloseConnectionAsync();
    }
}
