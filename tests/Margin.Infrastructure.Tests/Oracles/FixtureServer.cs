using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Margin.Infrastructure.Tests.Oracles;

/// <summary>A real Kestrel server on 127.0.0.1 and a free port, answering every request with <c>handler</c> and recording what it saw.</summary>
public sealed class FixtureServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FixtureServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, with a trailing slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request received: path, query string as sent, and the parsed query.</summary>
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    public static async Task<FixtureServer> StartAsync(Func<HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FixtureServer? server = null;
        app.Run(async context =>
        {
            server!.Requests.Enqueue(new SeenRequest(
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.Select(v => v ?? string.Empty).ToArray()),
                context.Request.Headers.UserAgent.ToString()));
            await handler(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FixtureServer(app, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    /// <summary>A handler answering <paramref name="body"/> with <paramref name="status"/> as JSON, plus optional headers.</summary>
    public static Func<HttpContext, Task> Json(string body, int status = 200, params (string Name, string Value)[] headers) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(body, context.RequestAborted);
    };

    /// <summary>A handler that answers only after <paramref name="delay"/> (or when the client gives up).</summary>
    public static Func<HttpContext, Task> Slow(TimeSpan delay) => async context =>
    {
        try
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await context.Response.WriteAsync("{}", context.RequestAborted);
    };

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}

public sealed record SeenRequest(string Path, string QueryString, IReadOnlyDictionary<string, string[]> Query, string UserAgent);
