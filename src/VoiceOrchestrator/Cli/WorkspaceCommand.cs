using System.CommandLine;
using Microsoft.AspNetCore.Http.HttpResults;
using VoiceOrchestrator.Api;
using VoiceOrchestrator.Hosting;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Cli;

/// <summary>
/// <c>workspace create --name X</c> and <c>workspace rotate-key ID</c>: the admin routes' own
/// handlers, run from a shell, so that a first workspace needs no admin token. The API key is
/// printed once.
/// </summary>
public static class WorkspaceCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "The workspace's display name (1-200 characters).", Required = true };
        var id = new Option<string?>("--id") { Description = "Its id (letters, digits, '_' or '-'); a new 'ws_…' id when left out." };
        var limit = new Option<int?>("--concurrency-limit") { Description = "Most calls of this workspace at once (leave out for no workspace limit)." };
        var create = new Command("create", "Create a workspace and print its API key (shown this once).") { name, id, limit };
        create.SetAction((parsed, cancellationToken) => CommandHost.RunAsync([], async (app, token) =>
        {
            await OrchestratorApp.MigrateAsync(app.Services, token);
            await using var scope = app.Services.CreateAsyncScope();
            var result = await AdminWorkspacesApi.CreateWorkspace(
                new CreateWorkspaceRequest(parsed.GetValue(name), parsed.GetValue(id), parsed.GetValue(limit), null),
                scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>(), TimeProvider.System, token);
            return Report(result, "created");
        }, cancellationToken));

        var workspaceId = new Argument<string>("id") { Description = "The workspace id, e.g. ws_1a2b3c." };
        var rotate = new Command("rotate-key", "Issue a new API key for a workspace and print it; the old key stops working at once.") { workspaceId };
        rotate.SetAction((parsed, cancellationToken) => CommandHost.RunAsync([], async (app, token) =>
        {
            await OrchestratorApp.MigrateAsync(app.Services, token);
            await using var scope = app.Services.CreateAsyncScope();
            var result = await AdminWorkspacesApi.RotateKey(
                parsed.GetRequiredValue(workspaceId), scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>(), TimeProvider.System, token);
            return Report(result, "has a new key");
        }, cancellationToken));

        return new Command("workspace", "Manage workspaces (tenants) without the admin API.") { create, rotate };
    }

    private static int Report(IResult result, string what)
    {
        switch (result)
        {
            case Created<WorkspaceCreatedResponse> { Value: { } created }:
                return Print(created, what);
            case Ok<WorkspaceCreatedResponse> { Value: { } rotated }:
                return Print(rotated, what);
            case ValidationProblem { ProblemDetails: var problem }:
                foreach (var (field, messages) in problem.Errors)
                {
                    Console.Error.WriteLine($"--{Option(field)}: {string.Join(" ", messages)}");
                }

                return ExitCodes.Usage;
            case ProblemHttpResult { ProblemDetails: var problem }:
                Console.Error.WriteLine(problem.Detail ?? problem.Title);
                return problem.Status == StatusCodes.Status404NotFound ? ExitCodes.NotFound : ExitCodes.Failed;
            default:
                Console.Error.WriteLine("Unexpected answer: " + result.GetType().Name);
                return ExitCodes.Failed;
        }
    }

    private static int Print(WorkspaceCreatedResponse workspace, string what)
    {
        Console.WriteLine($"Workspace {workspace.Id} ({workspace.Name}) {what}.");
        Console.WriteLine($"API key (shown once, keep it safe): {workspace.ApiKey}");
        return ExitCodes.Ok;
    }

    private static string Option(string field) => field switch
    {
        "concurrencyLimit" => "concurrency-limit",
        _ => field,
    };
}
