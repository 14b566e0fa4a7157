using Microsoft.AspNetCore.Builder;

namespace VoiceOrchestrator.Simulator;

/// <summary>A started emulator. Dispose it to stop it and release its port.</summary>
public sealed class RunningSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    internal RunningSimulator(WebApplication app, Uri baseAddress, SimulatorState state)
    {
        _app = app;
        BaseAddress = baseAddress;
        State = state;
    }

    /// <summary>The address the emulator actually listens on (port 0 resolved), e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public SimulatorState State { get; }

    public Task StopAsync(CancellationToken ct = default) => _app.StopAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
