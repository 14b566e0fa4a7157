using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Compat;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Conversations;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Observability;
using VoiceOrchestrator.Providers;
using VoiceOrchestrator.Providers.Twilio;
using VoiceOrchestrator.Reporting;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Hosting;

/// <summary>Builds the service: settings, storage, auth, routes. Program.cs only picks the command.</summary>
public static class OrchestratorApp
{
    /// <summary>Largest request body outside the bulk route.</summary>
    public const long DefaultBodyLimitBytes = 1024 * 1024;

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Production is what the operator says it is: ASP.NET Core's implicit default of "Production"
        // must not turn the no-setup demo into a start-up error.
        var explicitlyProduction = string.Equals(
            builder.Configuration["ASPNETCORE_ENVIRONMENT"] ?? builder.Configuration["DOTNET_ENVIRONMENT"], "Production", StringComparison.OrdinalIgnoreCase);
        var settings = EnvironmentSettings.Load(builder.Configuration, explicitlyProduction);

        ConfigureLogging(builder, settings);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = DefaultBodyLimitBytes;
            kestrel.AddServerHeader = false;
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://0.0.0.0:{settings.ServicePort}");
        }

        var services = builder.Services;
        services.AddSingleton(Options.Create(settings));
        services.AddSingleton(TimeProvider.System);
        services.AddOrchestratorStorage(settings.Database);
        services.ConfigureHttpJsonOptions(json => ConfigureJson(json.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddOrchestratorPolicies();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecuritySchemeTransformer>().AddApiDocConventions());
        services.AddObservability(settings);
        services.AddWorkspaceRateLimits(settings.Operations);
        services.AddShutdownGate();

        services.AddScoped<WorkspaceResolver>();
        services.AddScoped<CallIntake>();
        services.AddScoped<CallStore>();
        services.AddScoped<CallLifecycle>();
        services.AddScoped<CampaignDirectory>();
        services.AddScoped<DemoWorkspaceSeeder>();
        services.AddDispatch(settings);
        services.AddTwilioBridge(settings);
        services.AddCompatApis();
        services.AddConversations();
        services.AddHostedService<StartupTasks>();
        if (settings.Database.Provider == DatabaseProvider.Sqlite)
        {
            // After StartupTasks, so that it opens the database once migrated.
            services.AddHostedService(sp => sp.GetRequiredService<SqliteCheckpointer>());
        }

        // After StartupTasks: hosted services start in order, and retention's catch-up needs the migrated schema.
        services.AddReporting();
        services.AddHostedService(sp => sp.GetRequiredService<DemoEmulatorHost>());
        services.AddHostedService(sp => sp.GetRequiredService<CallDispatcher>());

        var app = builder.Build();
        app.UseCorrelationId();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseMiddleware<NulCharacterGuardMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseShutdownGate();
        app.UseWorkspaceRateLimits();
        app.UseMiddleware<IdempotencyMiddleware>();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapApiDocs();
        app.MapMetricsApi();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponses.WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponses.WriteAsync });
        app.MapAdminWorkspacesApi();
        app.MapAgentsApi();
        app.MapPhoneNumbersApi();
        app.MapCampaignsApi();
        app.MapReportsApi();
        app.MapCallsApi();
        app.MapElevenLabsWebhookApi();
        app.MapTwilioWebhooksApi();
        app.MapCompatApis();
        app.MapConversationsApi();
        return app;
    }

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
    }

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.PropertyNameCaseInsensitive = true;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        json.Converters.Add(new NulRejectingStringConverter());
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, OrchestratorOptions settings)
    {
        var level = LogLevels.Parse(settings.LogLevel) ?? LogLevel.Information;
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.ffffffZ";
            json.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(level);
        // Framework chatter stays at warning unless debugging was asked for.
        var frameworkLevel = level <= LogLevel.Debug ? level : LogLevel.Warning;
        builder.Logging.AddFilter("Microsoft", frameworkLevel);
        builder.Logging.AddFilter("System", frameworkLevel);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", level);
        // Authentication pulls in data protection, which warns about unencrypted keys at every start;
        // this service keeps nothing in it (API keys are checked against the database).
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
    }
}
