using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Reporting;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// One model for SQLite and PostgreSQL. The schema itself is created by the hand-written SQL
/// migrations under Storage/Migrations; a test checks that it serves this model on both engines.
/// </summary>
public class OrchestratorDbContext : DbContext
{
    public OrchestratorDbContext(DbContextOptions<OrchestratorDbContext> options)
        : base(options)
    {
    }

    /// <summary>For a context of the same model on other connections (<see cref="DispatchDbContext"/>).</summary>
    protected OrchestratorDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<Agent> Agents => Set<Agent>();
    public DbSet<PhoneNumber> PhoneNumbers => Set<PhoneNumber>();
    public DbSet<AgentPhoneNumber> AgentPhoneNumbers => Set<AgentPhoneNumber>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<Call> Calls => Set<Call>();
    public DbSet<CallEvent> CallEvents => Set<CallEvent>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<DispatcherLease> DispatcherLeases => Set<DispatcherLease>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<SyncLog> SyncLogs => Set<SyncLog>();
    public DbSet<ConversationCount> ConversationCounts => Set<ConversationCount>();
    public DbSet<CallDailyAggregate> CallDailyAggregates => Set<CallDailyAggregate>();
    public DbSet<CampaignDailyAggregate> CampaignDailyAggregates => Set<CampaignDailyAggregate>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<CallState>().HaveConversion<SnakeCaseEnumConverter<CallState>>().HaveMaxLength(32);
        configurationBuilder.Properties<GateMode>().HaveConversion<SnakeCaseEnumConverter<GateMode>>().HaveMaxLength(32);
        configurationBuilder.Properties<TelephonyProvider>().HaveConversion<SnakeCaseEnumConverter<TelephonyProvider>>().HaveMaxLength(16);
        configurationBuilder.Properties<CampaignStatus>().HaveConversion<SnakeCaseEnumConverter<CampaignStatus>>().HaveMaxLength(16);
        configurationBuilder.Properties<CallLane>().HaveConversion<int>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Workspace>(e =>
        {
            e.ToTable("workspaces");
            e.HasKey(w => w.Id);
            e.HasIndex(w => w.ApiKeyHash).IsUnique();
        });

        modelBuilder.Entity<Agent>(e =>
        {
            e.ToTable("agents");
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.WorkspaceId, a.AgentId }).IsUnique();
            e.HasMany(a => a.PhoneNumbers).WithOne().HasForeignKey(l => l.AgentId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PhoneNumber>(e =>
        {
            e.ToTable("phone_numbers");
            e.HasKey(p => p.Id);
            e.HasIndex(p => new { p.WorkspaceId, p.PhoneNumberId }).IsUnique();
        });

        modelBuilder.Entity<AgentPhoneNumber>(e =>
        {
            e.ToTable("agent_phone_numbers");
            e.HasKey(l => new { l.AgentId, l.PhoneNumberId });
            e.HasOne<PhoneNumber>().WithMany().HasForeignKey(l => l.PhoneNumberId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Campaign>(e =>
        {
            e.ToTable("campaigns");
            e.HasKey(c => new { c.WorkspaceId, c.Id });
        });

        modelBuilder.Entity<Call>(e =>
        {
            e.ToTable("calls");
            e.HasKey(c => c.Id);
            // One live call per destination number per workspace, enforced by the database itself.
            e.HasIndex(c => new { c.WorkspaceId, c.ToNumber })
                .IsUnique()
                .HasFilter($"state IN ({CallStates.ActiveSqlList})")
                .HasDatabaseName("ux_calls_active_number");
            e.HasIndex(c => new { c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane, c.Priority, c.Id })
                .IsDescending(false, false, false, false, true, false)
                .HasFilter("state = 'queued'")
                .HasDatabaseName("ix_calls_queue");
            e.HasIndex(c => c.LeaseExpiresAt)
                .HasFilter($"state IN ({CallStates.ActiveSqlList})")
                .HasDatabaseName("ix_calls_active_lease");
            e.HasIndex(c => new { c.WorkspaceId, c.CreatedAt }).HasDatabaseName("ix_calls_workspace_created");
            e.HasIndex(c => new { c.WorkspaceId, c.CampaignId, c.State }).HasDatabaseName("ix_calls_workspace_campaign_state");
            e.HasIndex(c => c.ConversationId).HasFilter("conversation_id IS NOT NULL").HasDatabaseName("ix_calls_conversation");
            e.HasIndex(c => c.ProviderCallId).HasFilter("provider_call_id IS NOT NULL").HasDatabaseName("ix_calls_provider_call");
            e.HasIndex(c => c.TwilioCallSid).HasFilter("twilio_call_sid IS NOT NULL").HasDatabaseName("ix_calls_twilio_call_sid");
            e.HasIndex(c => c.BatchId).HasDatabaseName("ix_calls_batch");
        });

        modelBuilder.Entity<CallEvent>(e =>
        {
            e.ToTable("call_events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => new { x.CallId, x.Id }).HasDatabaseName("ix_call_events_call");
            e.HasOne<Call>().WithMany().HasForeignKey(x => x.CallId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<IdempotencyRecord>(e =>
        {
            e.ToTable("idempotency_keys");
            e.HasKey(x => new { x.WorkspaceId, x.Key });
            e.HasIndex(x => x.ExpiresAt);
        });

        modelBuilder.Entity<DispatcherLease>(e =>
        {
            e.ToTable("dispatcher_lease");
            e.HasKey(x => x.Name);
        });

        modelBuilder.Entity<Conversation>(e =>
        {
            e.ToTable("conversations");
            e.HasKey(x => x.ConversationId);
            e.HasIndex(x => new { x.WorkspaceId, x.StartedAt, x.ConversationId }).HasDatabaseName("ix_conversations_workspace_started");
            e.HasIndex(x => new { x.WorkspaceId, x.CalleeNumber, x.StartedAt }).HasDatabaseName("ix_conversations_workspace_callee");
            e.HasIndex(x => new { x.WorkspaceId, x.CallerNumber, x.StartedAt }).HasDatabaseName("ix_conversations_workspace_caller");
            e.HasIndex(x => x.CallId).HasDatabaseName("ix_conversations_call");
        });

        modelBuilder.Entity<ConversationCount>(e =>
        {
            e.ToTable("conversation_counts");
            e.HasKey(x => new { x.WorkspaceId, x.Status, x.Shard });
        });

        modelBuilder.Entity<SyncLog>(e =>
        {
            e.ToTable("sync_log");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WorkspaceId, x.StartedAt });
        });

        modelBuilder.Entity<CallDailyAggregate>(e =>
        {
            e.ToTable("call_daily_aggregates");
            e.HasKey(x => new { x.WorkspaceId, x.Day, x.AgentId, x.CampaignId });
            e.OwnsOne(x => x.Totals, ConfigureTotals);
        });

        modelBuilder.Entity<CampaignDailyAggregate>(e =>
        {
            e.ToTable("campaign_daily_aggregates");
            e.HasKey(x => new { x.WorkspaceId, x.Day, x.CampaignId });
            e.OwnsOne(x => x.Totals, ConfigureTotals);
        });

        ApplySnakeCaseColumnNames(modelBuilder);
    }

    private static void ConfigureTotals<TOwner>(OwnedNavigationBuilder<TOwner, DailyCallTotals> totals)
        where TOwner : class
    {
        foreach (var property in typeof(DailyCallTotals).GetProperties())
        {
            totals.Property(property.Name).HasColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
        }
    }

    /// <summary>Every column is the snake_case of its property, so the hand-written SQL reads naturally.</summary>
    private static void ApplySnakeCaseColumnNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (entity.IsOwned())
            {
                continue;
            }

            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
            }
        }
    }

    /// <summary>SQLite hands DateTime back without a kind; every timestamp here is UTC.</summary>
    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
