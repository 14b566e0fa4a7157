using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>What the tests of batched call transitions share: calls of a disabled workspace "ws", and transitions applied as the service does.</summary>
internal static class TransitionBatchKit
{
    public static readonly DateTime Now = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    public static Call NewCall(CallState state, string number) => new()
    {
        Id = Guid.CreateVersion7(), WorkspaceId = "ws", Lane = CallLane.Bulk, State = state, AgentId = "agent", AgentPhoneNumberId = "phnum",
        ToNumber = number, Concurrency = 10, CreatedAt = Now, UpdatedAt = Now,
    };

    /// <summary>One transition through the service's own <see cref="CallTransitions"/>, in a scope of its own.</summary>
    public static async Task<TransitionResult> ApplyAsync(OrchestratorFactory factory, Guid callId, CallState[] from, CallState to)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CallTransitions>()
            .ApplyAsync(callId, from, to, "test", new CallChange { Ended = !to.HoldsSlot() }, CancellationToken.None);
    }

    /// <summary>Each transition's result, or the database error it failed with.</summary>
    public static Task<(TransitionResult? Result, DbException? Error)[]> OutcomesAsync(IEnumerable<Task<TransitionResult>> transitions) =>
        Task.WhenAll(transitions.Select(async t =>
        {
            try
            {
                return ((TransitionResult?)await t, (DbException?)null);
            }
            catch (DbException ex)
            {
                return (null, ex);
            }
        }));

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the transitions did not all queue within 10 s");
            await Task.Delay(10);
        }
    }
}
