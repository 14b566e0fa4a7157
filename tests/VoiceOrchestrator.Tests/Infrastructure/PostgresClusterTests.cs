using Npgsql;

namespace VoiceOrchestrator.Tests.Infrastructure;

[Collection("postgres")]
public sealed class PostgresClusterTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Creates_separate_databases_that_answer_queries()
    {
        var first = await postgres.CreateDatabaseAsync();
        var second = await postgres.CreateDatabaseAsync();

        var firstName = new NpgsqlConnectionStringBuilder(first).Database;
        var secondName = new NpgsqlConnectionStringBuilder(second).Database;
        Assert.NotEqual(firstName, secondName);

        foreach (var (connectionString, name) in new[] { (first, firstName), (second, secondName) })
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select version(), current_database()", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.StartsWith("PostgreSQL ", reader.GetString(0), StringComparison.Ordinal);
            Assert.Equal(name, reader.GetString(1));
        }

        Assert.Equal(
            $"postgresql://postgres@127.0.0.1:{postgres.Cluster.Port}/{firstName}?sslmode=disable",
            postgres.DatabaseUrl(firstName!));
    }

    [Fact]
    public async Task Dropping_a_database_ends_the_idle_sessions_a_pool_still_holds_on_it()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            // Back in the pool when disposed: the server keeps its session open.
            await connection.OpenAsync();
        }

        Assert.Equal(1, await SessionsOnAsync(name));

        postgres.Cluster.DropDatabase(name);

        Assert.Equal(0, await SessionsOnAsync(name));
        Assert.Equal(0, await ScalarAsync($"select count(*) from pg_database where datname = '{name}'"));
    }

    private Task<long> SessionsOnAsync(string database) =>
        ScalarAsync($"select count(*) from pg_stat_activity where datname = '{database}'");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.Cluster.AdminConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
