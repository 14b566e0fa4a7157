using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// The reads of one listing from one snapshot of the database, so that a conversation stored
/// meanwhile (by the background store, a sync or a webhook) cannot be counted in one read and
/// missed or placed twice by the next. SQLite: a deferred transaction, which in WAL mode reads one
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
