using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// On SQLite the dispatcher loop waits for each renewal of its lease, so the renewal queues at the write gate next to the
/// claims instead of sleeping in SQLite's busy handler while other writes go on.
/// </summary>
public sealed class DispatcherLeaseKeeperTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Fact]
    public async Task OnSqliteARenewalWaitsForItsTurnAtTheWriteGate()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var lease = await DispatchKit.HeldLeaseAsync(factory.Services);
        var gate = factory.Services.GetRequiredService<SqliteWriteGate>();

        Task<bool> renewal;
        using (await gate.EnterAsync(CancellationToken.None))
        {
            renewal = lease.AcquireOrRenewAsync(CancellationToken.None);
            // Outside the gate the renewal would have run at once: nothing holds SQLite's write lock.
            await Task.Delay(300);
            Assert.False(renewal.IsCompleted, "the renewal wrote while another write held the gate");
        }

        Assert.True(await renewal.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
