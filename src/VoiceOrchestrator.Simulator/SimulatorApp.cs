using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>Builds and starts the ElevenLabs emulator as an ASP.NET Core application.</summary>
public static class SimulatorApp
{
    /// <summary>
    /// Builds the emulator with its routes, state and background workers. Nothing is read from appsettings files or
    /// <c>ASPNETCORE_*</c> variables, so the host process's configuration cannot leak in; <paramref name="args"/> only
    /// supplies <c>--urls</c> (see <see cref="SimulatorSettings.ResolveUrls"/>). Without args, add URLs to <c>app.Urls</c>.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="options"/> holds an invalid setting.</exception>
    public static WebApplication Build(SimulatorOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        // Per-request logging would dominate the cost of a request at benchmark rates.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var validated = SimulatorOptionsValidator.Validated(options);
        builder.Services.AddSingleton(services => new SimulatorState(validated, services.GetRequiredService<ILoggerFactory>()));
        // The container disposes factory-made singletons, which closes the webhook HTTP client on shutdown.
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatorState>().Webhooks);
        builder.Services.AddSingleton(services => services.GetRequiredService<SimulatorState>().Twilio);
        builder.Services.AddHostedService(services => new SimulatorWorkers(services.GetRequiredService<SimulatorState>()));

        var app = builder.Build();
        var state = app.Services.GetRequiredService<SimulatorState>();
        if (args is not null)
        {
            foreach (var url in SimulatorSettings.ResolveUrls(Environment.GetEnvironmentVariables(), args))
            {
                app.Urls.Add(url);
            }
        }

        app.MapOutboundCallEndpoints(state);
        app.MapConversationEndpoints(state);
        app.MapWorkspaceEndpoints(state);
        app.MapControlEndpoints(state);
        app.MapTwilioEndpoints(state);
        app.MapGenericProviderEndpoints(state);
        Twilio.VoiceInsightsEndpoints.MapVoiceInsightsEndpoints(app);
        return app;
    }

    /// <summary>Builds and starts the emulator on <paramref name="url"/>; port 0 picks a free port, reported by <see cref="RunningSimulator.BaseAddress"/>.</summary>
    public static async Task<RunningSimulator> StartAsync(
        SimulatorOptions options,
        string url = "http://127.0.0.1:0",
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var app = Build(options);
        app.Urls.Add(url);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var boundAddress = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new RunningSimulator(app, new Uri(boundAddress), app.Services.GetRequiredService<SimulatorState>());
    }
}
