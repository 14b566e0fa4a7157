using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>A database context outside the service's pools, configured as the service configures its own, with a test's interceptors added.</summary>
public static class TestDbContexts
{
    public static TContext Open<TContext>(DatabaseTarget database, params IInterceptor[] interceptors)
        where TContext : DbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        StorageServiceCollectionExtensions.Configure(builder, database);
        builder.AddInterceptors(interceptors);
        return (TContext)Activator.CreateInstance(typeof(TContext), builder.Options)!;
    }
}
