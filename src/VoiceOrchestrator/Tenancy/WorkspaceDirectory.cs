using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tenancy;

/// <summary>The agents and numbers one workspace has registered, read once per request to check calls against.</summary>
public sealed class WorkspaceDirectory
{
    private readonly HashSet<string> _agentIds;
    private readonly Dictionary<string, PhoneNumber> _numbers;

    private WorkspaceDirectory(HashSet<string> agentIds, Dictionary<string, PhoneNumber> numbers)
    {
        _agentIds = agentIds;
        _numbers = numbers;
    }

    public static async Task<WorkspaceDirectory> LoadAsync(OrchestratorDbContext db, string workspaceId, CancellationToken cancellationToken)
    {
        var agents = await db.Agents.Where(a => a.WorkspaceId == workspaceId).Select(a => a.AgentId).ToListAsync(cancellationToken);
        var numbers = await db.PhoneNumbers.Where(p => p.WorkspaceId == workspaceId).ToListAsync(cancellationToken);
        return new WorkspaceDirectory(agents.ToHashSet(StringComparer.Ordinal), numbers.ToDictionary(n => n.PhoneNumberId, StringComparer.Ordinal));
    }

    public bool HasAgent(string agentId) => _agentIds.Contains(agentId);

    public PhoneNumber? FindNumber(string phoneNumberId) => _numbers.GetValueOrDefault(phoneNumberId);
}
