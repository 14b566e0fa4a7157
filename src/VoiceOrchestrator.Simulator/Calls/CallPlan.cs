namespace VoiceOrchestrator.Simulator;

/// <summary>How a placed call will go, decided when it is placed so that a seed fixes the whole sequence.</summary>
internal readonly record struct CallPlan(CallOutcome Outcome, int DurationMs);
