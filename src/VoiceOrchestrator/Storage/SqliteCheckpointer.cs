using Microsoft.Data.Sqlite;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Copies the SQLite write-ahead log back into the database file in the background. SQLite's
/// automatic checkpoint runs inside the commit that crosses its threshold, syncing the file on
/// the way, so a webhook's settlement or a claim would wait for the disk now and then; while this
/// runs, the service's connections leave checkpoints to it (<see cref="SqliteConnectionPragmas"/>).
/// PASSIVE checkpoints never wait for or block a writer. Under steady writes the log is rarely all
/// copied back at the moment a write begins, so SQLite seldom starts it over by itself and it keeps
/// growing. Once it has grown large and been copied back, and only if no one is writing or reading
/// from it at that moment (the attempt does not wait), it is started over: truncated to nothing once
/// writes have paused (the log has not grown since the last checkpoint), otherwise reset to be
/// written again from its start, the file keeping its size. Either holds the write lock while it
/// runs, but releasing a large file takes long: truncating a 64 MiB log under the write lock took
/// 270 ms in the dispatch benchmark, which every writer waited for.
/// Commands that do not start the host keep SQLite's automatic checkpoints.
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, TimeProvider clock, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>Log size (in pages) above which the log is started over once fully copied back.</summary>
    internal const long DefaultLargeLogPages = 16_384;

    private readonly long _largeLogPages = DefaultLargeLogPages;

    /// <summary>The log's size at the last checkpoint: unchanged means nothing was written since.</summary>
    private long _lastLogPages = -1;

    /// <summary>The log was started over without truncating it: its file may still be large.</summary>
    private bool _fileLeftLarge;

    /// <summary>A checkpointer that starts the log over past <paramref name="largeLogPages"/> pages (tests use a small log).</summary>
    internal SqliteCheckpointer(string connectionString, TimeProvider clock, ILogger<SqliteCheckpointer> logger, long largeLogPages)
        : this(connectionString, clock, logger)
    {
        _largeLogPages = largeLogPages;
    }

    private volatile bool _running;

    /// <summary>True while checkpoints are taken care of here.</summary>
    public bool IsRunning => _running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SqliteConnection connection;
        try
        {
            connection = await OpenAsync(stoppingToken);
        }
        catch (SqliteException ex)
        {
            logger.LogError(ex, "Could not open the database for background checkpoints; SQLite's automatic checkpoints stay on");
            return;
        }

        await using (connection)
        {
            _running = true;
            try
            {
                await CheckpointLoopAsync(connection, stoppingToken);
            }
            finally
            {
                _running = false;
            }

            // What the last writes left in the log, so that the file alone is up to date.
            try
            {
                await CheckpointAsync(connection, CancellationToken.None, final: true);
            }
            catch (SqliteException ex)
            {
                logger.LogWarning(ex, "Final SQLite checkpoint failed; the next opener applies the log");
            }
        }
    }

    private async Task CheckpointLoopAsync(SqliteConnection connection, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await CheckpointAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (SqliteException ex)
            {
                logger.LogWarning(ex, "SQLite checkpoint failed; trying again");
            }
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // Its own connection, outside the pool: busy_timeout 0 makes a truncation that would have to wait give up instead.
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=0;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task CheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken, bool final = false)
    {
        var (busy, logPages, copiedPages) = await RunAsync(connection, "PASSIVE", cancellationToken);
        var paused = final || logPages == _lastLogPages;
        _lastLogPages = logPages;
        if (busy || copiedPages != logPages)
        {
            return;
        }

        // An attempt that found the log in use changes nothing and is made again at the next checkpoint.
        if (paused && (logPages >= _largeLogPages || _fileLeftLarge))
        {
            if (!(await RunAsync(connection, "TRUNCATE", cancellationToken)).Busy)
            {
                _fileLeftLarge = false;
            }
        }
        else if (logPages >= _largeLogPages && !(await RunAsync(connection, "RESTART", cancellationToken)).Busy)
        {
            _fileLeftLarge = true;
        }
    }

    private static async Task<(bool Busy, long LogPages, long CopiedPages)> RunAsync(SqliteConnection connection, string mode, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (false, 0, 0);
        }

        return (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }
}
