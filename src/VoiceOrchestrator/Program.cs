using VoiceOrchestrator.Cli;

// The service binary: `serve` (the default) runs the API and the dispatcher; the other commands
// (`migrate`, `workspace …`, `sync`, `retention run`, `health`) do one job and exit. See Cli/OrchestratorCommandLine.cs.
return await OrchestratorCommandLine.RunAsync(args);

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
