using System.Text;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Hosting;

/// <summary>What demo mode prints at start-up: the key, and commands to paste.</summary>
public static class DemoBanner
{
    public static string Render(OrchestratorOptions settings, DemoWorkspace demo)
    {
        var url = $"http://localhost:{settings.ServicePort}";
        var auth = $"-H 'Authorization: Bearer {demo.ApiKey}'";
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("==================== VoiceOrchestrator demo mode ====================");
        text.AppendLine($"Database:        {settings.Database.Provider} ({settings.Database.SqliteFilePath ?? "PostgreSQL"})");
        text.AppendLine($"Workspace:       {demo.WorkspaceId}");
        text.AppendLine($"API key:         {demo.ApiKey}");
        text.AppendLine($"Admin token:     {settings.AdminToken}");
        text.AppendLine($"Agent:           {demo.AgentId}   numbers: {demo.TwilioNumberId}, {demo.SipNumberId}");
        text.AppendLine();
        text.AppendLine("Queue a call:");
        text.AppendLine($"  curl -s -X POST {url}/calls/priority {auth} -H 'Content-Type: application/json' \\");
        text.AppendLine($"    -d '{{\"agentId\":\"{demo.AgentId}\",\"agentPhoneNumberId\":\"{demo.TwilioNumberId}\",\"toNumber\":\"+15555550123\",\"variables\":{{\"customerName\":\"Jane\"}}}}'");
        text.AppendLine("Queue a small campaign:");
        text.AppendLine($"  curl -s -X POST {url}/calls/bulk {auth} -H 'Content-Type: application/json' \\");
        text.AppendLine($"    -d '{{\"campaignId\":\"demo-campaign\",\"agents\":[{{\"agentId\":\"{demo.AgentId}\",\"agentPhoneNumberId\":\"{demo.TwilioNumberId}\"}}],\"concurrency\":5,\"calls\":[{{\"toNumber\":\"+15555550124\"}},{{\"toNumber\":\"+15555550125\"}}]}}'");
        text.AppendLine("List calls:");
        text.AppendLine($"  curl -s '{url}/calls?limit=10' {auth}");
        text.AppendLine("API description:");
        text.AppendLine($"  curl -s {url}/openapi/v1.json");
        text.AppendLine("=====================================================================");
        return text.ToString();
    }
}
