using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>
/// While writes go on, a log grown past its bound is started over but not truncated (releasing the
/// file holds every writer up); once they pause, it is truncated.
/// </summary>
public sealed class SqliteCheckpointerTests : IAsyncLifetime
{
    /// <summary>256 KiB of log at SQLite's default 4 KiB page.</summary>
    private const long LargeLogPages = 64;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vo-tests", Guid.NewGuid().ToString("N"));
    private string File => Path.Combine(_directory, "checkpoints.db");
    private string Log => File + "-wal";
    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = File, Pooling = false }.ToString();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE filler (value BLOB NOT NULL);");
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ALargeLogIsStartedOverWhileWritesGoOnAndTruncatedOnceTheyPause()
    {
        using var checkpointer = new SqliteCheckpointer(ConnectionString, TimeProvider.System, NullLogger<SqliteCheckpointer>.Instance, LargeLogPages);
        await checkpointer.StartAsync(CancellationToken.None);
        try
        {
            await using var writer = await OpenAsync();
            await ExecuteAsync(writer, "PRAGMA wal_autocheckpoint=0;");
            await using var reader = await OpenAsync();

            // Steady writes in short bursts, with a read now and then, never pausing for a checkpoint interval.
            var truncatedWhileWriting = false;
            var firstSequence = -1L;
            var lastSequence = -1L;
            var writing = System.Diagnostics.Stopwatch.StartNew();
            for (var burst = 0; writing.Elapsed < SqliteCheckpointer.Interval * 6 && burst < 10_000; burst++)
            {
                await ExecuteAsync(writer, "INSERT INTO filler SELECT randomblob(16000) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)");
                if (burst % 5 == 0)
                {
                    await using var transaction = await reader.BeginTransactionAsync();
                    await ExecuteAsync(reader, "SELECT COUNT(*) FROM filler", transaction);
                }

                var (length, sequence) = ReadLog();
                truncatedWhileWriting |= length == 0;
                firstSequence = firstSequence < 0 ? sequence : firstSequence;
                lastSequence = sequence;
                await Task.Delay(2);
            }

            Assert.False(truncatedWhileWriting, "the log was truncated while writes went on");
            // Started over while writes went on (a new checkpoint sequence in the log's header), not grown with every write.
            Assert.True(lastSequence > firstSequence, $"checkpoint sequence {firstSequence} → {lastSequence}");

            var deadline = DateTime.UtcNow + SqliteCheckpointer.Interval * 10;
            while (new FileInfo(Log).Length > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, new FileInfo(Log).Length);
        }
        finally
        {
            await checkpointer.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The log file's length and the checkpoint sequence of its header, which SQLite counts up each time the log starts over.</summary>
    private (long Length, long Sequence) ReadLog()
    {
        using var log = new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[16];
        return log.Read(header, 0, header.Length) < header.Length
            ? (log.Length, -1)
            : (log.Length, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12, 4)));
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, System.Data.Common.DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = (SqliteTransaction?)transaction;
        await command.ExecuteNonQueryAsync();
    }
}
