using System.Text.Json;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Checks call requests against the rules of design §9 and the workspace's registered agents and
/// numbers, and turns them into <see cref="Call"/> rows ready to store. Nothing is stored here.
/// </summary>
public sealed class CallIntake(TimeProvider clock, Microsoft.Extensions.Options.IOptions<OrchestratorOptions> options)
{
    public const int DefaultMachineDetectionTimeout = 6;
    public const int DefaultConcurrency = 50;

    public Call? FromPriority(PriorityCallRequest request, string workspaceId, GateMode gateMode, WorkspaceDirectory directory, ValidationErrors errors)
    {
        var to = PickAlias(request.ToNumber, request.To, "toNumber", "to", errors);
        var from = PickAlias(request.FromNumber, request.From, "fromNumber", "from", errors);
        CheckNumber(to, "toNumber", required: true, errors);
        CheckNumber(from, "fromNumber", required: false, errors);
        CheckAgent(request.AgentId, request.AgentPhoneNumberId, "", directory, errors);
        var settings = CheckSettings(request.MachineDetectionTimeout, request.Concurrency, request.Priority, errors);
        var variables = JsonValues.ObjectText(request.Variables, "variables", errors, primitivesOnly: true);
        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        CheckCampaignId(request.CampaignId, errors);
        if (!errors.IsEmpty)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return new Call
        {
            Id = CallIds.New(clock),
            WorkspaceId = workspaceId,
            CampaignId = request.CampaignId,
            Lane = CallLane.Priority,
            Priority = settings.Priority,
            Source = "api",
            Provider = ProviderFor(workspaceId),
            AgentId = request.AgentId!,
            AgentPhoneNumberId = request.AgentPhoneNumberId!,
            ToNumber = to!,
            FromNumber = from,
            Variables = variables,
            Metadata = metadata,
            GateMode = gateMode,
            EnableMachineDetection = request.EnableMachineDetection ?? true,
            MachineDetectionTimeout = settings.MachineDetectionTimeout,
            Concurrency = settings.Concurrency,
            MaxAttempts = options.Value.MaxRetryAttempts,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public BulkIntake FromBulk(BulkCallRequest request, string workspaceId, GateMode gateMode, WorkspaceDirectory directory)
    {
        var errors = new ValidationErrors();
        var agents = BulkAgents(request, directory, errors);
        var defaultFrom = PickAlias(request.FromNumber, request.From, "fromNumber", "from", errors);
        CheckNumber(defaultFrom, "fromNumber", required: false, errors);
        var settings = CheckSettings(request.MachineDetectionTimeout, request.Concurrency, request.Priority, errors);
        var metadata = JsonValues.ObjectText(request.Metadata, "metadata", errors);
        CheckCampaignId(request.CampaignId, errors);
        if (request.Calls is null || request.Calls.Count == 0)
        {
            errors.Add("calls", "Give at least one call.");
        }
        else if (request.Calls.Count > options.Value.MaxBulkCalls)
        {
            errors.Add("calls", $"At most {options.Value.MaxBulkCalls} calls per request; split larger lists.");
        }

        if (!errors.IsEmpty)
        {
            return new BulkIntake([], errors, [], 0);
        }

        var skipInvalid = request.SkipInvalid ?? false;
        var allowDuplicates = request.AllowDuplicates ?? false;
        var batchId = Guid.CreateVersion7();
        var now = clock.GetUtcNow().UtcDateTime;
        var seen = allowDuplicates ? null : new HashSet<string>(StringComparer.Ordinal);
        var provider = ProviderFor(workspaceId);
        var calls = new List<Call>(request.Calls!.Count);
        var rejected = new List<BulkItemError>();
        var duplicates = 0;

        for (var index = 0; index < request.Calls.Count; index++)
        {
            var item = request.Calls[index];
            var itemErrors = new ValidationErrors();
            if (item is null)
            {
                itemErrors.Add("", "Must be an object with toNumber.");
            }
            else
            {
                var to = PickAlias(item.ToNumber, item.To, "toNumber", "to", itemErrors);
                CheckNumber(to, "toNumber", required: true, itemErrors);
                CheckNumber(item.FromNumber, "fromNumber", required: false, itemErrors);
                var variables = JsonValues.ObjectText(item.Variables, "variables", itemErrors, primitivesOnly: true);
                var itemMetadata = JsonValues.ObjectText(item.Metadata, "metadata", itemErrors);
                if (itemErrors.IsEmpty)
                {
                    if (seen is not null && !seen.Add(to!))
                    {
                        duplicates++;
                        continue;
                    }

                    var agent = agents[calls.Count % agents.Count];
                    calls.Add(new Call
                    {
                        Id = CallIds.New(clock),
                        WorkspaceId = workspaceId,
                        CampaignId = request.CampaignId,
                        BatchId = batchId,
                        Lane = CallLane.Bulk,
                        Priority = settings.Priority,
                        Source = "bulk",
                        Provider = provider,
                        AgentId = agent.AgentId!,
                        AgentPhoneNumberId = agent.AgentPhoneNumberId!,
                        ToNumber = to!,
                        FromNumber = item.FromNumber ?? agent.FromNumber ?? defaultFrom,
                        Variables = variables,
                        Metadata = itemMetadata ?? metadata,
                        GateMode = gateMode,
                        EnableMachineDetection = request.EnableMachineDetection ?? true,
                        MachineDetectionTimeout = settings.MachineDetectionTimeout,
                        Concurrency = settings.Concurrency,
                        MaxAttempts = options.Value.MaxRetryAttempts,
                        CreatedAt = now,
                        UpdatedAt = now,
                    });
                    continue;
                }
            }

            rejected.Add(new BulkItemError(index, itemErrors.ToDictionary()));
            if (!skipInvalid)
            {
                errors.AddAll(itemErrors, $"calls[{index}].");
            }
        }

        if (!skipInvalid && !errors.IsEmpty)
        {
            return new BulkIntake([], errors, rejected, duplicates);
        }

        return new BulkIntake(calls, errors, rejected, duplicates)
        {
            BatchId = batchId,
            Concurrency = settings.Concurrency,
            MachineDetectionTimeout = settings.MachineDetectionTimeout,
            EnableMachineDetection = request.EnableMachineDetection ?? true,
        };
    }

    /// <summary>Who places the workspace's calls: the generic provider for a workspace set to it (AI_CALL_WORKSPACES), else ElevenLabs (null).</summary>
    private string? ProviderFor(string workspaceId) =>
        options.Value.AiCallWorkspaces.Contains(workspaceId) ? Providers.GenericProvider.GenericProvider.Name : null;

    private static List<BulkAgent> BulkAgents(BulkCallRequest request, WorkspaceDirectory directory, ValidationErrors errors)
    {
        if (request.Agents is { Count: > 0 } list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is not { } agent)
                {
                    errors.Add($"agents[{i}]", "Must be an object with agentId and agentPhoneNumberId.");
                    continue;
                }

                CheckAgent(agent.AgentId, agent.AgentPhoneNumberId, $"agents[{i}].", directory, errors);
                CheckNumber(agent.FromNumber, $"agents[{i}].fromNumber", required: false, errors);
            }

            return list.OfType<BulkAgent>().ToList();
        }

        CheckAgent(request.AgentId, request.AgentPhoneNumberId, "", directory, errors);
        return [new BulkAgent(request.AgentId, request.AgentPhoneNumberId, null)];
    }

    private static void CheckAgent(string? agentId, string? phoneNumberId, string prefix, WorkspaceDirectory directory, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(agentId))
        {
            errors.Add(prefix + "agentId", "Required: the ElevenLabs agent id.");
        }
        else if (!directory.HasAgent(agentId))
        {
            errors.Add(prefix + "agentId", $"Agent '{agentId}' is not registered to this workspace (POST /agents).");
        }

        if (string.IsNullOrWhiteSpace(phoneNumberId))
        {
            errors.Add(prefix + "agentPhoneNumberId", "Required: the ElevenLabs phone number id (phnum_…).");
        }
        else if (directory.FindNumber(phoneNumberId) is null)
        {
            errors.Add(prefix + "agentPhoneNumberId", $"Phone number '{phoneNumberId}' is not registered to this workspace (POST /phone-numbers).");
        }
    }

    internal static string? PickAlias(string? preferred, string? alias, string preferredName, string aliasName, ValidationErrors errors)
    {
        if (preferred is not null && alias is not null && preferred != alias)
        {
            errors.Add(preferredName, $"'{preferredName}' and its alias '{aliasName}' disagree; send one of them.");
        }

        return preferred ?? alias;
    }

    internal static void CheckNumber(string? number, string field, bool required, ValidationErrors errors)
    {
        if (number is null)
        {
            if (required)
            {
                errors.Add(field, "Required: an E.164 number such as +14155550100.");
            }

            return;
        }

        if (!PhoneNumbers.IsE164(number))
        {
            errors.Add(field, $"'{Truncate(number)}' is not an E.164 number (e.g. +14155550100).");
        }
    }

    internal static (int MachineDetectionTimeout, int Concurrency, int Priority) CheckSettings(int? timeout, int? concurrency, int? priority, ValidationErrors errors)
    {
        if (timeout is < 1 or > 30)
        {
            errors.Add("machineDetectionTimeout", "Must be from 1 to 30 seconds.");
        }

        if (concurrency is < 1 or > 100)
        {
            errors.Add("concurrency", "Must be from 1 to 100.");
        }

        if (priority is < -1000 or > 1000)
        {
            errors.Add("priority", "Must be from -1000 to 1000.");
        }

        return (timeout ?? DefaultMachineDetectionTimeout, concurrency ?? DefaultConcurrency, priority ?? 0);
    }

    private static void CheckCampaignId(string? campaignId, ValidationErrors errors)
    {
        if (campaignId is not null && !AdminWorkspacesApi.IsValidId(campaignId))
        {
            errors.Add("campaignId", "Use 1-64 letters, digits, '_' or '-'.");
        }
    }

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}

/// <summary>What a bulk request turned into: the calls to store, and what was dropped or refused.</summary>
public sealed record BulkIntake(List<Call> Calls, ValidationErrors Errors, List<BulkItemError> Rejected, int Duplicates)
{
    public Guid BatchId { get; init; }
    public int Concurrency { get; init; }
    public int MachineDetectionTimeout { get; init; }
    public bool EnableMachineDetection { get; init; } = true;
}

public sealed record BulkItemError(int Index, IDictionary<string, string[]> Errors);
