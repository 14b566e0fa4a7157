using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// The numbers calls are placed from, kept for <see cref="Lifetime"/>: every dial needs its number's
/// provider and path, and reading the row for each dial was a query per call. A change to a number
/// applies to dials from at most that long after it.
/// </summary>
public sealed class PhoneNumberCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string WorkspaceId, string PhoneNumberId), (PhoneNumber? Number, long ReadAt)> _numbers = new();

    public async Task<PhoneNumber?> FindAsync(OrchestratorDbContext db, string workspaceId, string phoneNumberId, CancellationToken cancellationToken)
    {
        var key = (workspaceId, phoneNumberId);
        if (_numbers.TryGetValue(key, out var entry) && clock.GetElapsedTime(entry.ReadAt) < Lifetime)
        {
            return entry.Number;
        }

        var readAt = clock.GetTimestamp();
        var number = await db.PhoneNumbers.FirstOrDefaultAsync(p => p.WorkspaceId == workspaceId && p.PhoneNumberId == phoneNumberId, cancellationToken);
        if (_numbers.Count >= MaxEntries)
        {
            _numbers.Clear();
        }

        _numbers[key] = (number, readAt);
        return number;
    }
}
