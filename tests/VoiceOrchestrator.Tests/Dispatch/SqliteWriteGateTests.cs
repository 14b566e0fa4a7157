using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>One write at a time, in arrival order, except that a claim goes next; a waiter that gives up is passed over.</summary>
public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task AClaimGoesAheadOfWritesAlreadyWaiting()
    {
        var gate = new SqliteWriteGate();
        var order = new List<string>();
        var first = await gate.EnterAsync(CancellationToken.None);
        var waiting = new[]
        {
            RecordAsync(gate.EnterAsync(CancellationToken.None), "write 1", order),
            RecordAsync(gate.EnterAsync(CancellationToken.None), "write 2", order),
            RecordAsync(gate.EnterForClaimAsync(CancellationToken.None), "claim", order),
        };
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        first.Dispose();
        await Task.WhenAll(waiting);
        Assert.Equal(new[] { "claim", "write 1", "write 2" }, order);
    }

    [Fact]
    public async Task AWaiterThatGaveUpIsPassedOver()
    {
        var gate = new SqliteWriteGate();
        var first = await gate.EnterAsync(CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var cancelled = gate.EnterForClaimAsync(giveUp.Token);
        var next = gate.EnterAsync(CancellationToken.None);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        first.Dispose();
        var turn = await next.WaitAsync(TimeSpan.FromSeconds(5));
        turn.Dispose();
        // Released for good: the next one enters at once.
        (await gate.EnterAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    private static async Task RecordAsync(Task<IDisposable> entering, string name, List<string> order)
    {
        using var turn = await entering;
        lock (order)
        {
            order.Add(name);
        }
    }
}
