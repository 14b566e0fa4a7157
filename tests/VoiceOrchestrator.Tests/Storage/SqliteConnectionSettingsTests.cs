using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>
/// The service's SQLite connections keep their settings on every open of a pooled connection,
/// including the ones set only once per native connection, and leave checkpoints to the
/// background checkpointer, which does copy the log back into the database file.
/// </summary>
public sealed class SqliteConnectionSettingsTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Fact]
    public async Task PooledConnectionsKeepTheirSettingsOnEveryOpen()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        Assert.True(factory.Services.GetRequiredService<SqliteCheckpointer>().IsRunning);

        for (var open = 0; open < 3; open++)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            await db.Database.OpenConnectionAsync();
            var connection = db.Database.GetDbConnection();
            Assert.Equal(30_000L, await ScalarAsync(connection, "PRAGMA busy_timeout"));
            Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA synchronous"));
            Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys"));
            Assert.Equal(0L, await ScalarAsync(connection, "PRAGMA wal_autocheckpoint"));
            Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA temp_store"));
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task TheCheckpointerCopiesTheLogIntoTheDatabaseFile()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(
            VoiceOrchestrator.Configuration.DatabaseUrlParser.Parse(factory.Database.DatabaseUrl).ConnectionString).DataSource;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            // Let whatever start-up wrote reach the file first, so that only this table's pages are waited for.
            await Task.Delay(SqliteCheckpointer.Interval * 3);
            var before = new FileInfo(file).Length;
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE filler (value BLOB NOT NULL)");
            await db.Database.ExecuteSqlRawAsync(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT randomblob(1000) FROM n");

            // Automatic checkpoints are off: the rows reach the file only through the checkpointer.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (new FileInfo(file).Length < before + 1_000_000 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.True(new FileInfo(file).Length >= before + 1_000_000, $"database file {new FileInfo(file).Length} bytes, was {before}");
        }
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
