using Microsoft.Data.Sqlite;
using Npgsql;
using VoiceOrchestrator.Configuration;
using static VoiceOrchestrator.Tests.Infrastructure.EnvironmentPairs;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>DATABASE_URL parsing and the environment variables of design §10, without a host.</summary>
public sealed class DatabaseUrlParserTests
{
    [Fact]
    public void ReadsAPostgresUriWithUserPasswordPortAndDatabase()
    {
        var target = DatabaseUrlParser.Parse("postgresql://orchestrator:s3cret@db.example.com:6543/calls");

        Assert.Equal(DatabaseProvider.Postgres, target.Provider);
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("db.example.com", 6543, "orchestrator", "s3cret", "calls"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
        Assert.Empty(target.IgnoredParameters);
        Assert.Null(target.SqliteFilePath);
    }

    [Fact]
    public void DecodesAUrlEncodedPasswordAndUser()
    {
        var target = DatabaseUrlParser.Parse("postgres://app%40corp:p%40ss%3Aw%2Frd%23%25@localhost/my%20db");

        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(("app@corp", "p@ss:w/rd#%", "my db"), (builder.Username, builder.Password, builder.Database));
        Assert.Equal(5432, builder.Port);
    }

    [Theory]
    [InlineData("require", SslMode.Require)]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void HonoursSslMode(string sslmode, SslMode expected)
    {
        var target = DatabaseUrlParser.Parse($"postgresql://u:p@host:5432/db?sslmode={sslmode}");

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(target.ConnectionString).SslMode);
    }

    [Fact]
    public void ToleratesPrismaOnlyParametersAndReportsTheIgnoredOnes()
    {
        var target = DatabaseUrlParser.Parse("postgresql://u:p@pooler.example.com:6543/db?sslmode=require&pgbouncer=true&connection_limit=1&pool_timeout=20");

        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.True(builder.NoResetOnClose, "pgbouncer=true must turn off the session reset");
        Assert.Equal(0, builder.MaxAutoPrepare);
        Assert.Equal(["connection_limit", "pool_timeout"], target.IgnoredParameters);
    }

    [Fact]
    public void PreparesRepeatedStatementsUnlessBehindPgBouncerAndNeverResetsTheSession()
    {
        var direct = new NpgsqlConnectionStringBuilder(DatabaseUrlParser.Parse("postgresql://u:p@host:5432/db").ConnectionString);
        var pooled = new NpgsqlConnectionStringBuilder(DatabaseUrlParser.Parse("postgresql://u:p@host:6543/db?pgbouncer=true").ConnectionString);

        Assert.True(direct.MaxAutoPrepare > 0, "a direct connection should prepare the statements it repeats");
        Assert.Equal(0, pooled.MaxAutoPrepare);
        // No session state to reset, behind PgBouncer or not.
        Assert.True(direct.NoResetOnClose);
        Assert.True(pooled.NoResetOnClose);
    }

    [Fact]
    public void TheDispatcherAndTheBatchWritersHavePoolsOfTheirOwn()
    {
        var target = DatabaseUrlParser.Parse("postgresql://u:p@host:5432/db");
        var service = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        var dispatcher = new NpgsqlConnectionStringBuilder(target.ForDispatcher().ConnectionString);
        var writers = new NpgsqlConnectionStringBuilder(target.ForBatchWriters().ConnectionString);

        // Npgsql keeps one pool per connection string: three strings, three pools, of 20 + 4 + 2 connections.
        Assert.Equal(3, new[] { service.ConnectionString, dispatcher.ConnectionString, writers.ConnectionString }.Distinct().Count());
        Assert.Equal((20, DatabaseTarget.DispatcherPoolSize, DatabaseTarget.BatchWritersPoolSize), (service.MaxPoolSize, dispatcher.MaxPoolSize, writers.MaxPoolSize));
        Assert.All(new[] { dispatcher, writers }, b => Assert.Equal((service.Host, service.Database, service.Username), (b.Host, b.Database, b.Username)));
        var sqlite = DatabaseTarget.Sqlite("x.db");
        Assert.Same(sqlite, sqlite.ForBatchWriters());
    }

    [Fact]
    public void DefaultsThePortAndDatabase()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrlParser.Parse("postgresql://u@host").ConnectionString);

        Assert.Equal((5432, "postgres", "u"), (builder.Port, builder.Database, builder.Username));
    }

    [Theory]
    [InlineData("sqlite:data/calls.db", "data/calls.db")]
    [InlineData("sqlite:///var/lib/vo/calls.db", "/var/lib/vo/calls.db")]
    [InlineData("file:calls.db", "calls.db")]
    [InlineData("Data Source=x.db", "x.db")]
    [InlineData("Data Source=/tmp/vo/x.db;Cache=Shared", "/tmp/vo/x.db")]
    public void ReadsSqliteFiles(string url, string path)
    {
        var target = DatabaseUrlParser.Parse(url);

        Assert.Equal(DatabaseProvider.Sqlite, target.Provider);
        Assert.Equal(path, target.SqliteFilePath);
        Assert.Equal(path, new SqliteConnectionStringBuilder(target.ConnectionString).DataSource);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void DefaultsToTheEmbeddedSqliteFile(string? url)
    {
        var target = DatabaseUrlParser.Parse(url);

        Assert.Equal(DatabaseProvider.Sqlite, target.Provider);
        Assert.Equal(DatabaseTarget.DefaultSqlitePath, target.SqliteFilePath);
    }

    [Fact]
    public void AcceptsAnAdoPostgresConnectionString()
    {
        var target = DatabaseUrlParser.Parse("Host=db;Port=5433;Database=calls;Username=u;Password=p");

        Assert.Equal(DatabaseProvider.Postgres, target.Provider);
        Assert.Equal(5433, new NpgsqlConnectionStringBuilder(target.ConnectionString).Port);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("mysql://u:p@host/db")]
    [InlineData("redis://localhost:6379")]
    [InlineData("sqlite:")]
    [InlineData("postgresql://")]
    [InlineData("postgresql://u:p@host/db?sslmode=sometimes")]
    [InlineData("Data Source=")]
    public void RefusesWhatItCannotRead(string url)
    {
        Assert.Throws<FormatException>(() => DatabaseUrlParser.Parse(url));
    }
}

public sealed class EnvironmentSettingsTests
{

    private static InvalidConfigurationException Refused(bool production = false, params (string Key, string Value)[] values) =>
        Assert.Throws<InvalidConfigurationException>(() => EnvironmentSettings.Load(FromPairs(values), production));

    [Fact]
    public void NoConfigurationStartsTheDemoWithDefaults()
    {
        var options = Load();

        Assert.Equal(3000, options.ServicePort);
        Assert.Equal(30, options.ConcurrencyLimit);
        Assert.Equal(3, options.MaxRetryAttempts);
        Assert.Equal(15, options.RetentionDays);
        Assert.Equal(DatabaseProvider.Sqlite, options.Database.Provider);
        Assert.True(options.DemoMode);
        Assert.False(string.IsNullOrEmpty(options.AdminToken), "demo mode issues an admin token to print");
    }

    [Theory]
    [InlineData("SERVICE_PORT", "abc")]
    [InlineData("SERVICE_PORT", "70000")]
    [InlineData("SERVICE_PORT", "0")]
    [InlineData("PORT", "eighty")]
    [InlineData("MAX_RETRY_ATTEMPTS", "abc")]
    [InlineData("MAX_RETRY_ATTEMPTS", "0")]
    [InlineData("RETENTION_DAYS", "-1")]
    [InlineData("LOG_LEVEL", "loud")]
    [InlineData("DATABASE_URL", "mysql://nope")]
    [InlineData("ELEVENLABS_BASE_URL", "not a url")]
    [InlineData("ELEVENLABS_CONCURRENCY_LIMIT", "1.5")]
    [InlineData("MAX_CONCURRENT_CALLS", "lots")]
    [InlineData("TWILIO_FROM_FALLBACK", "555-0100")]
    public void ABadValueIsReportedByTheNameOfItsVariable(string variable, string value)
    {
        var error = Refused(false, (variable, value));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith(variable + ":", problem, StringComparison.Ordinal);
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryBadValueIsReportedAtOnce()
    {
        var error = Refused(false, ("SERVICE_PORT", "x"), ("MAX_RETRY_ATTEMPTS", "abc"), ("LOG_LEVEL", "loud"));

        Assert.Equal(["SERVICE_PORT", "MAX_RETRY_ATTEMPTS", "LOG_LEVEL"], error.Problems.Select(p => p[..p.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void PortIsAnAliasOfServicePort()
    {
        Assert.Equal(8080, Load(false, ("PORT", "8080")).ServicePort);
        Assert.Equal(4000, Load(false, ("SERVICE_PORT", "4000"), ("PORT", "8080")).ServicePort);
    }

    [Fact]
    public void MaxConcurrentCallsIsAnAliasOfTheConcurrencyLimit()
    {
        Assert.Equal(12, Load(false, ("MAX_CONCURRENT_CALLS", "12")).ConcurrencyLimit);
        Assert.Equal(40, Load(false, ("ELEVENLABS_CONCURRENCY_LIMIT", "40"), ("MAX_CONCURRENT_CALLS", "12")).ConcurrencyLimit);
    }

    [Fact]
    public void ProductionWithoutAnElevenLabsKeyIsRefused()
    {
        var error = Refused(true);

        Assert.Contains(error.Problems, p => p.StartsWith("ELEVENLABS_API_KEY:", StringComparison.Ordinal));
        var options = Load(true, ("ELEVENLABS_API_KEY", "xi-key"));
        Assert.False(options.DemoMode);
        Assert.Equal("xi-key", options.ElevenLabsApiKey);
    }

    [Fact]
    public void ReadsTheOriginalVariableNames()
    {
        var options = Load(
            false,
            ("SERVICE_PORT", "3100"),
            ("DATABASE_URL", "postgresql://u:p@db:5432/calls?sslmode=require&connection_limit=1"),
            ("ELEVENLABS_API_KEY", "xi"),
            ("ELEVENLABS_BASE_URL", "https://api.example.com/"),
            ("MAX_RETRY_ATTEMPTS", "5"),
            ("RETENTION_DAYS", "30"),
            ("LOG_LEVEL", "WARN"),
            ("ORCHESTRATOR_ADMIN_TOKEN", "admin-secret"),
            ("WEBHOOK_SECRET", "shared-secret"),
            ("TWILIO_FROM_FALLBACK", "+14155550100"));

        Assert.Equal(3100, options.ServicePort);
        Assert.Equal(DatabaseProvider.Postgres, options.Database.Provider);
        Assert.Equal(["connection_limit"], options.Database.IgnoredParameters);
        Assert.Equal("https://api.example.com", options.ElevenLabsBaseUrl);
        Assert.Equal((5, 30, "warn"), (options.MaxRetryAttempts, options.RetentionDays, options.LogLevel));
        Assert.Equal("admin-secret", options.AdminToken);
        Assert.Equal("shared-secret", options.EffectiveElevenLabsWebhookSecret);
        Assert.Equal("+14155550100", options.TwilioFromFallback);
        Assert.False(options.DemoMode);
    }
}
