using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// A loopback proxy between the service and the emulator that holds the answer to every dial
/// (<c>POST …/outbound-call</c>) for a while AFTER the emulator has placed the call: the provider being slow
/// to answer although the phone already rings. The emulator's own <c>ResponseLatencyMs</c> waits before
/// placing the call instead, so it cannot show this. Everything else passes through unchanged.
/// </summary>
internal sealed class AnswerDelayProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(120) };
    private int _holding;
    private int _mostHeld;

    private AnswerDelayProxy(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The emulator; set once it runs (the service sends nothing before calls are queued).</summary>
    public Uri? Upstream { get; set; }

    public TimeSpan AnswerDelay { get; set; }

    /// <summary>Dials whose answer is being held right now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>The most answers held at once so far.</summary>
    public int MostHeld => Volatile.Read(ref _mostHeld);

    public static async Task<AnswerDelayProxy> StartAsync(TimeSpan answerDelay)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        var app = builder.Build();
        var proxy = new AnswerDelayProxy(app) { AnswerDelay = answerDelay };
        app.Urls.Add("http://127.0.0.1:0");
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        proxy.BaseAddress = new Uri(address);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        if (Upstream is not { } upstream)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        var aborted = context.RequestAborted;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(upstream, context.Request.Path + context.Request.QueryString));
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("xi-api-key", StringComparison.OrdinalIgnoreCase) || name.Equals("Accept", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        if (HttpMethods.IsPost(context.Request.Method))
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, aborted);
            request.Content = new ByteArrayContent(body.ToArray());
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        using var response = await _upstream.SendAsync(request, aborted);
        var answer = await response.Content.ReadAsByteArrayAsync(aborted);
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value!.EndsWith("/outbound-call", StringComparison.Ordinal))
        {
            var holding = Interlocked.Increment(ref _holding);
            for (var most = MostHeld; holding > most; most = MostHeld)
            {
                Interlocked.CompareExchange(ref _mostHeld, holding, most);
            }

            try
            {
                await Task.Delay(AnswerDelay, aborted);
            }
            finally
            {
                Interlocked.Decrement(ref _holding);
            }
        }

        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Content.Headers.ContentType is { } type)
        {
            context.Response.ContentType = type.ToString();
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        await context.Response.Body.WriteAsync(answer, aborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
