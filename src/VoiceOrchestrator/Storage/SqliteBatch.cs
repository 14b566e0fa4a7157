using System.Data.Common;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// The transaction a <see cref="SqliteGroupCommit"/> batch shares. Its commands are prepared once
/// per batch and bound again for each write that uses the same statement.
/// </summary>
public sealed class SqliteBatch(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The command for <paramref name="sql"/> in this batch's transaction, with no parameters bound.</summary>
    public DbCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = transaction;
            _commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }

        _commands.Clear();
    }
}
