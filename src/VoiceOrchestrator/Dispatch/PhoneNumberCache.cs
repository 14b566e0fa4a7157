using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The numbers calls are placed from, kept for <see cref="Lifetime"/>: every dial needs its number's
/// provider and path, and reading the row for each dial was a query per call. A change to a number
/// applies to dials from at most that long after it. One read per number at a time: when waves of
/// calls are more than <see cref="Lifetime"/> apart, the first claim of each wave found the entry
/// expired, and each of its dials read the same row at once, on the service's pool, which the wave's
/// webhooks hold while they wait for their writes. The dials after the first now wait for its read.
/// </summary>
public sealed class PhoneNumberCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string WorkspaceId, string PhoneNumberId), Entry> _numbers = new();

    public async Task<PhoneNumber?> FindAsync(OrchestratorDbContext db, string workspaceId, string phoneNumberId, CancellationToken cancellationToken)
    {
        var key = (workspaceId, phoneNumberId);
        while (true)
        {
            var entry = _numbers.GetValueOrDefault(key);
            if (entry is not null && (!entry.Number.IsCompleted || entry.Number.IsCompletedSuccessfully && clock.GetElapsedTime(entry.ReadAt) < Lifetime))
            {
                return await entry.Number.WaitAsync(cancellationToken);
            }

            // Expired, failed or absent: this caller reads the row, if no other caller has taken that on meanwhile.
            var read = new TaskCompletionSource<PhoneNumber?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var mine = new Entry(read.Task, clock.GetTimestamp());
            if (entry is null && _numbers.Count >= MaxEntries)
            {
                _numbers.Clear();
            }

            if (entry is null ? _numbers.TryAdd(key, mine) : _numbers.TryUpdate(key, mine, entry))
            {
                try
                {
                    read.SetResult(await db.PhoneNumbers.FirstOrDefaultAsync(p => p.WorkspaceId == workspaceId && p.PhoneNumberId == phoneNumberId, cancellationToken));
                }
                catch (Exception ex)
                {
                    // The callers waiting for this read fail with it; the next one reads again.
                    read.SetException(ex);
                }

                return await read.Task;
            }
        }
    }

    /// <summary>A number's row as read (or being read), and when that read began.</summary>
    private sealed record Entry(Task<PhoneNumber?> Number, long ReadAt);
}
