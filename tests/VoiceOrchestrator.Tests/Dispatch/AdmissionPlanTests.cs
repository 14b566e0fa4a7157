using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>The admission plan alone (no I/O): which group may dial how many calls in one cycle (design §4).</summary>
public sealed class AdmissionPlanTests
{
    private static readonly Dictionary<string, int> NoWorkspaceLimits = [];

    private static QueuedGroup Bulk(string workspace, string? campaign, int queued, int concurrency = 100, int priority = 0, Guid? batch = null) =>
        new(new QueueGroup(workspace, campaign, campaign is null ? batch ?? Guid.Empty : null, CallLane.Bulk), priority, queued, concurrency);

    private static QueuedGroup Priority(string workspace, int queued, int priority = 0, int concurrency = 100) =>
        new(new QueueGroup(workspace, null, null, CallLane.Priority), priority, queued, concurrency);

    private static ActiveCall Active(QueuedGroup group, string number) =>
        new(group.Key.WorkspaceId, group.Key.CampaignId, group.Key.BatchId, group.Key.Lane, number);

    private static List<ActiveCall> ActiveCalls(QueuedGroup group, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Active(group, $"+1555000{i:D4}"))];

    private static AdmissionLimits Limits(int global, int remote = 0, int reserved = 0, Dictionary<string, int>? workspaces = null) =>
        new(global, remote, reserved, workspaces ?? NoWorkspaceLimits);

    private static Dictionary<QueueGroup, int> Plan(
        IReadOnlyList<QueuedGroup> groups, AdmissionLimits limits, IReadOnlyList<ActiveCall>? active = null, int capacity = 1000, int rotation = 0) =>
        AdmissionPlan.Quotas(groups, active ?? [], limits, capacity, rotation);

    private static int Of(Dictionary<QueueGroup, int> quotas, QueuedGroup group) => quotas.GetValueOrDefault(group.Key);

    [Fact]
    public void TheGlobalLimitCapsTheCycle()
    {
        var group = Bulk("ws_a", "c1", queued: 500);
        Assert.Equal(10, Of(Plan([group], Limits(10)), group));
    }

    [Fact]
    public void ActiveCallsAndCallsPlacedElsewhereUseUpTheGlobalLimit()
    {
        var group = Bulk("ws_a", "c1", queued: 500);
        Assert.Equal(4, Of(Plan([group], Limits(10), ActiveCalls(group, 6)), group));
        Assert.Equal(1, Of(Plan([group], Limits(10, remote: 3), ActiveCalls(group, 6)), group));
        Assert.Empty(Plan([group], Limits(10, remote: 4), ActiveCalls(group, 6)));
        Assert.Empty(Plan([group], Limits(10, remote: 20)));
    }

    [Fact]
    public void TheDispatcherCapacityCapsTheCycle()
    {
        var group = Bulk("ws_a", "c1", queued: 500);
        Assert.Equal(3, Of(Plan([group], Limits(10), capacity: 3), group));
        Assert.Empty(Plan([group], Limits(10), capacity: 0));
    }

    [Fact]
    public void AGroupGetsNoMoreThanItHasQueued()
    {
        var group = Bulk("ws_a", "c1", queued: 2);
        Assert.Equal(2, Of(Plan([group], Limits(10)), group));
    }

    [Fact]
    public void BulkCallsCannotUseTheSlotsReservedForPriority()
    {
        var bulk = Bulk("ws_a", "c1", queued: 500);
        Assert.Equal(7, Of(Plan([bulk], Limits(10, reserved: 3)), bulk));

        // With all of the non-reserved room taken, bulk waits even though the limit has room.
        Assert.Empty(Plan([bulk], Limits(10, reserved: 3), ActiveCalls(bulk, 7)));
    }

    [Fact]
    public void PriorityCallsMayUseTheWholeLimitIncludingTheReserve()
    {
        var bulk = Bulk("ws_a", "c1", queued: 500);
        var priority = Priority("ws_a", queued: 50);
        var quotas = Plan([priority], Limits(10, reserved: 3), ActiveCalls(bulk, 7));
        Assert.Equal(3, Of(quotas, priority));

        Assert.Equal(10, Of(Plan([priority], Limits(10, reserved: 3)), priority));
    }

    [Fact]
    public void PriorityCallsAlreadyActiveFillTheReserveFirst()
    {
        var bulk = Bulk("ws_a", "c1", queued: 500);
        var priority = Priority("ws_a", queued: 0);
        // Two priority calls active hold two of the three reserved slots: bulk may use 10 - 2 - 1(reserve left) = 7.
        var quotas = Plan([bulk], Limits(10, reserved: 3), [.. ActiveCalls(priority, 2)]);
        Assert.Equal(7, Of(quotas, bulk));

        // Priority calls beyond the reserve take the room of bulk, not more of the reserve.
        quotas = Plan([bulk], Limits(10, reserved: 3), [.. ActiveCalls(priority, 5)]);
        Assert.Equal(5, Of(quotas, bulk));
    }

    [Fact]
    public void PriorityCallsAdmittedInTheSameCycleCountAgainstTheReserve()
    {
        // Limit 10 with 2 reserved, nothing active; one priority call and many bulk calls are due.
        // The priority call takes one reserved slot; one reserved slot stays free; bulk may use 8.
        var priority = Priority("ws_a", queued: 1);
        var bulk = Bulk("ws_a", "c1", queued: 500);
        var quotas = Plan([priority, bulk], Limits(10, reserved: 2));
        Assert.Equal(1, Of(quotas, priority));
        Assert.True(
            Of(quotas, bulk) == 8,
            $"bulk got {Of(quotas, bulk)} slots; with one of the two reserved slots used by the priority call admitted "
            + "in this cycle, 10 - 1 (priority) - 1 (reserve still free) = 8 were due. The next cycle, with that call active, gives the 8th.");
    }

    [Fact]
    public void PriorityCallsGoBeforeBulk()
    {
        var bulk = Bulk("ws_a", "c1", queued: 500);
        var priority = Priority("ws_b", queued: 6);
        var quotas = Plan([bulk, priority], Limits(10), capacity: 8);
        Assert.Equal(6, Of(quotas, priority));
        Assert.Equal(2, Of(quotas, bulk));
    }

    [Fact]
    public void HigherPriorityGoesFirstWithinALane()
    {
        var low = Bulk("ws_a", "low", queued: 100, priority: 1);
        var high = Bulk("ws_b", "high", queued: 7, priority: 9);
        var middle = Bulk("ws_c", "middle", queued: 100, priority: 5);
        var quotas = Plan([low, high, middle], Limits(10));
        Assert.Equal(7, Of(quotas, high));
        Assert.Equal(3, Of(quotas, middle));
        Assert.Equal(0, Of(quotas, low));
    }

    [Fact]
    public void TheWorkspaceLimitHolds()
    {
        var capped = Bulk("ws_a", "c1", queued: 500);
        var other = Bulk("ws_b", "c2", queued: 500);
        var limits = Limits(20, workspaces: new Dictionary<string, int> { ["ws_a"] = 4 });
        var quotas = Plan([capped, other], limits);
        Assert.Equal(4, Of(quotas, capped));
        Assert.Equal(16, Of(quotas, other));

        // Active calls of the workspace count, over all its campaigns and lanes.
        var sibling = Bulk("ws_a", "c3", queued: 5);
        quotas = Plan([capped], limits, [Active(sibling, "+15550000001"), Active(Priority("ws_a", 0), "+15550000002"), Active(capped, "+15550000003")]);
        Assert.Equal(1, Of(quotas, capped));
    }

    [Fact]
    public void ADisabledWorkspaceGetsNothing()
    {
        var disabled = Bulk("ws_a", "c1", queued: 500);
        var priority = Priority("ws_a", queued: 5);
        Assert.Empty(Plan([disabled, priority], Limits(10, workspaces: new Dictionary<string, int> { ["ws_a"] = 0 })));
    }

    [Fact]
    public void TheCampaignConcurrencyHolds()
    {
        var campaign = Bulk("ws_a", "c1", queued: 500, concurrency: 3);
        Assert.Equal(3, Of(Plan([campaign], Limits(10)), campaign));
        Assert.Equal(1, Of(Plan([campaign], Limits(10), ActiveCalls(campaign, 2)), campaign));
        Assert.Empty(Plan([campaign], Limits(10), ActiveCalls(campaign, 3)));
    }

    [Fact]
    public void ACampaignSplitOverSeveralBulkRequestsSharesOneConcurrency()
    {
        // Calls of a campaign are limited together, whichever bulk request brought them.
        var first = new QueuedGroup(new QueueGroup("ws_a", "c1", Guid.NewGuid(), CallLane.Bulk), 0, 100, 4);
        var second = new QueuedGroup(new QueueGroup("ws_a", "c1", Guid.NewGuid(), CallLane.Bulk), 0, 100, 4);
        var quotas = Plan([first, second], Limits(20));
        Assert.Equal(4, Of(quotas, first) + Of(quotas, second));
    }

    [Fact]
    public void TwoWorkspacesShareEquallyWhateverTheirQueueSizes()
    {
        var big = Bulk("ws_big", "huge", queued: 100_000);
        var small = Bulk("ws_small", "tiny", queued: 10);
        for (var rotation = 0; rotation < 4; rotation++)
        {
            var quotas = Plan([big, small], Limits(10), rotation: rotation);
            Assert.Equal(5, Of(quotas, big));
            Assert.Equal(5, Of(quotas, small));
        }
    }

    [Fact]
    public void ASmallWorkspaceLeavesItsUnusedShareToTheOthers()
    {
        var big = Bulk("ws_big", "huge", queued: 100_000);
        var small = Bulk("ws_small", "tiny", queued: 2);
        var quotas = Plan([big, small], Limits(10));
        Assert.Equal(2, Of(quotas, small));
        Assert.Equal(8, Of(quotas, big));
    }

    [Fact]
    public void WorkspacesShareFairlyAndNotTheirCampaigns()
    {
        // ws_a has three campaigns, ws_b one: the workspaces get half each; ws_a's half is split over its campaigns.
        var a1 = Bulk("ws_a", "a1", queued: 1000);
        var a2 = Bulk("ws_a", "a2", queued: 1000);
        var a3 = Bulk("ws_a", "a3", queued: 1000);
        var b1 = Bulk("ws_b", "b1", queued: 1000);
        var quotas = Plan([a1, a2, a3, b1], Limits(12));
        Assert.Equal(6, Of(quotas, b1));
        Assert.Equal(2, Of(quotas, a1));
        Assert.Equal(2, Of(quotas, a2));
        Assert.Equal(2, Of(quotas, a3));
    }

    [Fact]
    public void TwoCampaignsOfOneWorkspaceShareFairly()
    {
        var big = Bulk("ws_a", "big", queued: 100_000);
        var small = Bulk("ws_a", "small", queued: 10);
        var quotas = Plan([big, small], Limits(10));
        Assert.Equal(5, Of(quotas, big));
        Assert.Equal(5, Of(quotas, small));
    }

    [Fact]
    public void ActiveCallsDoNotStopTheRoundRobinOfTheRest()
    {
        // Campaign 'a' is at its concurrency; the whole room goes to 'b'.
        var a = Bulk("ws_a", "a", queued: 100, concurrency: 2);
        var b = Bulk("ws_b", "b", queued: 100);
        var quotas = Plan([a, b], Limits(10), ActiveCalls(a, 2));
        Assert.Equal(0, Of(quotas, a));
        Assert.Equal(8, Of(quotas, b));
    }

    [Fact]
    public void RotationChangesWhoGetsTheOddSlot()
    {
        var a = Bulk("ws_a", "a", queued: 100);
        var b = Bulk("ws_b", "b", queued: 100);
        var winners = new HashSet<string>();
        for (var rotation = 0; rotation < 2; rotation++)
        {
            var quotas = Plan([a, b], Limits(3), rotation: rotation);
            Assert.Equal(3, Of(quotas, a) + Of(quotas, b));
            Assert.InRange(Of(quotas, a), 1, 2);
            winners.Add(Of(quotas, a) == 2 ? "ws_a" : "ws_b");
        }

        Assert.Equal(new[] { "ws_a", "ws_b" }, winners.Order());

        // The same within a workspace: its campaigns take turns at the odd slot.
        var c1 = Bulk("ws_a", "c1", queued: 100);
        var c2 = Bulk("ws_a", "c2", queued: 100);
        var first = Plan([c1, c2], Limits(1), rotation: 0);
        var second = Plan([c1, c2], Limits(1), rotation: 1);
        Assert.NotEqual(Of(first, c1), Of(second, c1));
    }

    [Fact]
    public void OverManyCyclesEveryWorkspaceGetsItsShareOfSingleSlots()
    {
        // One slot frees per cycle: round-robin over cycles (rotation) spreads them evenly.
        var groups = new[] { Bulk("ws_a", "a", 1000), Bulk("ws_b", "b", 1000), Bulk("ws_c", "c", 1000) };
        var won = new Dictionary<string, int>();
        for (var rotation = 0; rotation < 30; rotation++)
        {
            foreach (var (key, quota) in Plan(groups, Limits(1), rotation: rotation))
            {
                won[key.WorkspaceId] = won.GetValueOrDefault(key.WorkspaceId) + quota;
            }
        }

        Assert.All(groups, g => Assert.Equal(10, won.GetValueOrDefault(g.Key.WorkspaceId)));
    }

    [Fact]
    public void NothingQueuedPlansNothing()
    {
        Assert.Empty(Plan([], Limits(10)));
    }
}
