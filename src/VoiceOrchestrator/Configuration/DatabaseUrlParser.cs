using Npgsql;

namespace VoiceOrchestrator.Configuration;

/// <summary>
/// Reads DATABASE_URL in the forms the earlier systems used: the PostgreSQL URI of Prisma
/// (<c>postgresql://user:pass@host:port/db?sslmode=require&amp;pgbouncer=true</c>), or a SQLite file
/// as <c>sqlite:path</c>, <c>file:path</c> or <c>Data Source=path</c>.
/// </summary>
public static class DatabaseUrlParser
{
    public static DatabaseTarget Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseTarget.DefaultSqlite();
        }

        value = value.Trim();
        if (value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return ParsePostgresUri(value);
        }

        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            return SqliteFromPath(StripSqliteScheme(value, "sqlite:"));
        }

        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return SqliteFromPath(StripSqliteScheme(value, "file:"));
        }

        if (value.Contains("Data Source=", StringComparison.OrdinalIgnoreCase)
            || value.Contains("DataSource=", StringComparison.OrdinalIgnoreCase))
        {
            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                throw new FormatException("the SQLite 'Data Source' is empty");
            }

            return new DatabaseTarget(DatabaseProvider.Sqlite, builder.ConnectionString, []);
        }

        if (value.StartsWith("Host=", StringComparison.OrdinalIgnoreCase)
            || value.Contains(";Host=", StringComparison.OrdinalIgnoreCase))
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return new DatabaseTarget(DatabaseProvider.Postgres, builder.ConnectionString, []);
        }

        throw new FormatException(
            "expected postgresql://user:pass@host:port/db, sqlite:path/to.db or 'Data Source=path/to.db'");
    }

    private static string StripSqliteScheme(string value, string scheme)
    {
        var path = value[scheme.Length..];
        // sqlite:///abs/path and sqlite://rel/path are both seen in the wild; keep the absolute form absolute.
        if (path.StartsWith("///", StringComparison.Ordinal))
        {
            return path[2..];
        }

        return path.StartsWith("//", StringComparison.Ordinal) ? path[2..] : path;
    }

    private static DatabaseTarget SqliteFromPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new FormatException("the SQLite file path is empty");
        }

        return DatabaseTarget.Sqlite(path);
    }

    /// <summary>Statements each connection keeps prepared: well above the number of hot statements.</summary>
    private const int AutoPreparedStatements = 128;

    /// <summary>
    /// Connections per instance. Npgsql's default of 100 lets one busy instance take every
    /// connection a default server allows (and several instances more than that); past a few
    /// dozen, more connections only make the server switch between its processes.
    /// </summary>
    private const int PoolSize = 20;

    private static DatabaseTarget ParsePostgresUri(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("not a valid postgresql:// URI");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            // The service runs the same few statements all day: prepared on a connection's second use,
            // they are no longer parsed and planned by PostgreSQL on every call.
            MaxAutoPrepare = AutoPreparedStatements,
            AutoPrepareMinUsages = 2,
            MaxPoolSize = PoolSize,
            // The service keeps no session state (its advisory locks are all transaction-scoped, it sets nothing
            // per session), so the reset Npgsql would otherwise send with every reuse of a pooled connection,
            // six statements each time, is work for nothing.
            NoResetOnClose = true,
        };

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var separator = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            if (separator >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
            }
        }

        var ignored = new List<string>();
        foreach (var (key, rawValue) in QueryPairs(uri.Query))
        {
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = rawValue.ToLowerInvariant() switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw new FormatException($"unknown sslmode '{rawValue}'"),
                    };
                    break;
                case "schema":
                    builder.SearchPath = rawValue;
                    break;
                case "application_name":
                    builder.ApplicationName = rawValue;
                    break;
                case "connect_timeout":
                    if (int.TryParse(rawValue, out var connectTimeout))
                    {
                        builder.Timeout = connectTimeout;
                    }

                    break;
                case "pgbouncer":
                    // Transaction pooling forbids session state: no server-side prepared statements (and no reset, as always).
                    if (rawValue.Equals("true", StringComparison.OrdinalIgnoreCase))
                    {
                        builder.MaxAutoPrepare = 0;
                    }

                    break;
                default:
                    // Prisma-only knobs such as connection_limit or pool_timeout size Prisma's own pool;
                    // this service sizes its pool itself, so they are reported and otherwise ignored.
                    ignored.Add(key);
                    break;
            }
        }

        return new DatabaseTarget(DatabaseProvider.Postgres, builder.ConnectionString, ignored);
    }

    private static IEnumerable<(string Key, string Value)> QueryPairs(string query)
    {
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = part.IndexOf('=');
            var key = Uri.UnescapeDataString(separator < 0 ? part : part[..separator]);
            var value = separator < 0 ? "" : Uri.UnescapeDataString(part[(separator + 1)..].Replace('+', ' '));
            yield return (key, value);
        }
    }
}
