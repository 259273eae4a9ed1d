using Margin.Testing.Functions;

namespace MarginFunctions.Tests.HostHarness;

/// <summary>
/// A stand-in custom handler for testing the harness without the real one: a small Node.js server (Node is on every machine
/// that runs the tests, for Azurite) that listens on FUNCTIONS_CUSTOMHANDLER_PORT and echoes what it receives.
/// </summary>
/// <remarks>
/// <c>GET /</c> answers 404 (any answer means ready); <c>POST /Hang</c> never answers; <c>POST /Fail</c> answers 500;
/// anything else answers 200 with the request, the working directory and the environment it was given. It writes its PID
/// to <c>pid</c> in its working directory, says so on stdout and stderr, and exits 0 on SIGTERM.
/// FAKE_LISTEN_DELAY_MS delays listening; FAKE_EXIT_CODE makes it exit at once with that code.
/// </remarks>
internal sealed class FakeNodeHandler : IDisposable
{
    private const string Script = """
        const http = require('http');
        const fs = require('fs');
        fs.writeFileSync('pid', String(process.pid));
        console.log('fake handler starting');
        console.error('fake handler stderr line');
        if (process.env.FAKE_EXIT_CODE) { console.error('fake handler exits'); process.exit(Number(process.env.FAKE_EXIT_CODE)); }
        process.on('SIGTERM', () => { console.log('SIGTERM received'); process.exit(0); });
        const server = http.createServer((req, res) => {
          let body = '';
          req.on('data', c => body += c);
          req.on('end', () => {
            if (req.method === 'GET' && req.url === '/') { res.writeHead(404); res.end(); return; }
            if (req.url === '/Hang') { console.log('hanging'); return; }
            const reply = { Outputs: {}, Logs: [], ReturnValue: null, method: req.method, path: req.url, headers: req.headers, body,
              cwd: process.cwd(), env: { port: process.env.FUNCTIONS_CUSTOMHANDLER_PORT, worker: process.env.FUNCTIONS_CUSTOMHANDLER_WORKER_ID,
                root: process.env.AzureWebJobsScriptRoot, setting: process.env.FAKE_SETTING ?? null, removed: process.env.FAKE_REMOVED ?? null } };
            res.writeHead(req.url === '/Fail' ? 500 : 200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(reply));
          });
        });
        setTimeout(() => server.listen(Number(process.env.FUNCTIONS_CUSTOMHANDLER_PORT), '127.0.0.1'), Number(process.env.FAKE_LISTEN_DELAY_MS || 0));
        """;

    public FakeNodeHandler()
    {
        Folder = Directory.CreateTempSubdirectory("margin-fake-handler-").FullName;
        File.WriteAllText(Path.Combine(Folder, "handler.js"), Script);
    }

    /// <summary>The handler's working directory (its "app root").</summary>
    public string Folder { get; }

    /// <summary>The PID the handler wrote, once it started.</summary>
    public int Pid => int.Parse(File.ReadAllText(Path.Combine(Folder, "pid")), System.Globalization.CultureInfo.InvariantCulture);

    public Task<HandlerProcess> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, HandlerProcessOptions? options = null) =>
        HandlerProcess.StartAsync(
            "node",
            Folder,
            settings ?? new Dictionary<string, string?>(),
            (options ?? new HandlerProcessOptions()) with { Arguments = [Path.Combine(Folder, "handler.js")] });

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
