using Microsoft.EntityFrameworkCore;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// The dispatcher's context: the same model, on connections of its own. On PostgreSQL they come from a small pool
/// of their own, so that a claim never waits for a connection while a burst of webhooks holds every other one.
/// </summary>
public sealed class DispatchDbContext(DbContextOptions<DispatchDbContext> options) : OrchestratorDbContext(options);
