using VoiceOrchestrator.Calls;

namespace VoiceOrchestrator.Tests.Calls;

public sealed class CallIdsTests
{
    [Fact]
    public void IdsMadeInOneMillisecondAreDistinctVersion7AndSortInTheOrderMade()
    {
        var clock = new FrozenClock(new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero));
        var ids = Enumerable.Range(0, 10_000).Select(_ => CallIds.New(clock)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(0x8, id.Variant & 0xC));
        var text = ids.Select(id => id.ToString()).ToList();
        Assert.Equal(text.Order(StringComparer.Ordinal), text);
    }

    [Fact]
    public void RandomBitsDifferBetweenIds()
    {
        var clock = new FrozenClock(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
        var tails = Enumerable.Range(0, 2_000).Select(_ => CallIds.New(clock).ToString()[19..]).ToList();

        Assert.Equal(tails.Count, tails.Distinct().Count());
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
