using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Storage;

public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddOrchestratorStorage(this IServiceCollection services, DatabaseTarget database)
    {
        if (database.SqliteFilePath is { } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        services.AddDbContextPool<OrchestratorDbContext>(options => Configure(options, database));
        services.AddScoped<SchemaMigrator>();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseTarget database)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(database.ConnectionString)
                    .AddInterceptors(SqliteConnectionPragmas.Instance);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(database.ConnectionString);
                break;
        }

        options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
    }
}
