using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Tenancy;

/// <summary>
/// Demo mode's ready-made tenant: a workspace with one agent and two numbers (Twilio and SIP
/// trunk). Keys are stored hashed, so each start issues the demo workspace a fresh key to print.
/// </summary>
public sealed class DemoWorkspaceSeeder(OrchestratorDbContext db, TimeProvider clock)
{
    public const string WorkspaceId = "ws_demo";
    public const string AgentId = "agent_demo_sales";
    public const string TwilioNumberId = "phnum_demo_twilio";
    public const string SipNumberId = "phnum_demo_sip";

    public async Task<DemoWorkspace> SeedAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var key = ApiKeys.NewKey();
        var workspace = await db.Workspaces.AsTracking().FirstOrDefaultAsync(w => w.Id == WorkspaceId, cancellationToken);
        if (workspace is null)
        {
            workspace = new Workspace { Id = WorkspaceId, Name = "Demo workspace", ApiKeyHash = "", ApiKeyPrefix = "", CreatedAt = now };
            db.Workspaces.Add(workspace);
        }

        workspace.ApiKeyHash = ApiKeys.Hash(key);
        workspace.ApiKeyPrefix = ApiKeys.DisplayPrefix(key);
        workspace.IsActive = true;
        workspace.UpdatedAt = now;
        workspace.KeyRotatedAt = now;

        if (!await db.PhoneNumbers.AnyAsync(p => p.WorkspaceId == WorkspaceId, cancellationToken))
        {
            var twilio = new PhoneNumber
            {
                Id = Guid.CreateVersion7(), WorkspaceId = WorkspaceId, PhoneNumberId = TwilioNumberId, Number = "+15550100001",
                Provider = TelephonyProvider.Twilio, Label = "Demo Twilio number", CreatedAt = now,
            };
            var sip = new PhoneNumber
            {
                Id = Guid.CreateVersion7(), WorkspaceId = WorkspaceId, PhoneNumberId = SipNumberId, Number = "+15550100002",
                Provider = TelephonyProvider.SipTrunk, Label = "Demo SIP trunk number", CreatedAt = now,
            };
            db.PhoneNumbers.AddRange(twilio, sip);
            db.Agents.Add(new Agent
            {
                Id = Guid.CreateVersion7(), WorkspaceId = WorkspaceId, AgentId = AgentId, Name = "Demo sales agent", CreatedAt = now,
                PhoneNumbers = [new AgentPhoneNumber { PhoneNumberId = twilio.Id }, new AgentPhoneNumber { PhoneNumberId = sip.Id }],
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        return new DemoWorkspace(WorkspaceId, key, AgentId, TwilioNumberId, SipNumberId);
    }
}

public sealed record DemoWorkspace(string WorkspaceId, string ApiKey, string AgentId, string TwilioNumberId, string SipNumberId);
