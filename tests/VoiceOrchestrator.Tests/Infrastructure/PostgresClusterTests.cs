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
}
