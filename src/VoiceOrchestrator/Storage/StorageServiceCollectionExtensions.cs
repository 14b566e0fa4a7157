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

        if (database.Provider == DatabaseProvider.Sqlite)
        {
            services.AddSingleton(sp => new SqliteCheckpointer(
                database.ConnectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqliteCheckpointer>>()));
        }

        services.AddDbContextPool<OrchestratorDbContext>((sp, options) => Configure(options, database, sp.GetService<SqliteCheckpointer>()));
        services.AddDbContextPool<DispatchDbContext>((sp, options) => Configure(options, database.ForDispatcher(), sp.GetService<SqliteCheckpointer>()));
        services.AddScoped<SchemaMigrator>();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseTarget database, SqliteCheckpointer? checkpointer = null)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(database.ConnectionString)
                    .AddInterceptors(new SqliteConnectionPragmas(checkpointer));
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(database.ConnectionString);
                break;
        }

        options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
    }
}
