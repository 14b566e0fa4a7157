using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// Every dial looks its number up. The dials of one claim arrive together, so the cache reads a number's row once for
/// all of them, and again only once the entry has expired.
/// </summary>
public sealed class PhoneNumberCacheTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Fact]
    public async Task DialsThatLookANumberUpTogetherShareOneReadUntilItExpires()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var database = factory.Services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Database;
        var now = DateTime.UtcNow;
        await using (var setup = TestDbContexts.Open<OrchestratorDbContext>(database))
        {
            setup.Workspaces.Add(new Workspace { Id = "ws_cache", Name = "W", ApiKeyHash = "h", ApiKeyPrefix = "p", CreatedAt = now, UpdatedAt = now });
            setup.PhoneNumbers.Add(new PhoneNumber
            {
                Id = Guid.CreateVersion7(), WorkspaceId = "ws_cache", PhoneNumberId = "phnum_cache", Number = "+15550002222",
                Provider = TelephonyProvider.SipTrunk, CreatedAt = now,
            });
            await setup.SaveChangesAsync();
        }

        var reads = new SlowNumberReads();
        var clock = new SteppedClock();
        var cache = new PhoneNumberCache(clock);
        async Task<List<PhoneNumber?>> LookUpTogetherAsync(int dials)
        {
            var contexts = Enumerable.Range(0, dials).Select(_ => TestDbContexts.Open<OrchestratorDbContext>(database, reads)).ToList();
            try
            {
                return [.. await Task.WhenAll(contexts.Select(db => Task.Run(() => cache.FindAsync(db, "ws_cache", "phnum_cache", CancellationToken.None))))];
            }
            finally
            {
                foreach (var db in contexts)
                {
                    await db.DisposeAsync();
                }
            }
        }

        var first = await LookUpTogetherAsync(20);
        Assert.Equal(1, reads.Count);
        Assert.All(first, number => Assert.Equal(TelephonyProvider.SipTrunk, number?.Provider));

        clock.Advance(PhoneNumberCache.Lifetime / 2);
        await LookUpTogetherAsync(5);
        Assert.Equal(1, reads.Count);

        clock.Advance(PhoneNumberCache.Lifetime);
        var later = await LookUpTogetherAsync(20);
        Assert.Equal(2, reads.Count);
        Assert.All(later, number => Assert.Equal("+15550002222", number?.Number));
    }

    /// <summary>A clock whose timestamps move only when told to.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Counts the reads of phone numbers and holds each for a moment, so that the lookups made together overlap it.</summary>
    private sealed class SlowNumberReads : DbCommandInterceptor
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("phone_numbers", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            }

            return result;
        }
    }
}
