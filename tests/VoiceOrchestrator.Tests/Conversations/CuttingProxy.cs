using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>
/// A loopback HTTP proxy in front of the emulator that breaks off every conversation listing after its
/// first bytes (a connection lost midway through the provider's answer) and passes everything else on.
/// </summary>
internal sealed class CuttingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new();
    private int _cut;

    private CuttingProxy(WebApplication app) => _app = app;

    public string Address => _app.Urls.First();

    /// <summary>Listings broken off so far.</summary>
    public int Cut => Volatile.Read(ref _cut);

    public static async Task<CuttingProxy> StartAsync(Func<Uri> upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new CuttingProxy(app);
        app.Run(context => proxy.HandleAsync(context, upstream()));
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context, Uri upstream)
    {
        if (context.Request.Path == "/v1/convai/conversations")
        {
            Interlocked.Increment(ref _cut);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 100_000;
            await context.Response.WriteAsync("{\"conversations\": [{\"agent_id\": ");
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(upstream, context.Request.Path + context.Request.QueryString));
        foreach (var (name, values) in context.Request.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, [.. values]);
        }

        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
