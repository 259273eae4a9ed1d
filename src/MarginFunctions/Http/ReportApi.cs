using System.Text;
using Margin.Infrastructure.Reports;
using MarginFunctions.Hosting;

namespace MarginFunctions.Http;

/// <summary>The report HTTP functions: <c>GET api/report/sweep/{id|latest}</c> and <c>GET api/report/stress/{id}</c> answer the self-contained HTML page <c>margin report</c> writes (ReportBuilder, then HtmlReportWriter).</summary>
/// <remarks>Errors are JSON like the rest of the API: 400 for a malformed id, 404 for an unknown sweep or run, 409 for a stress run that has not completed (its report exists once it has).</remarks>
internal static class ReportApi
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(HttpApi.RoutePrefix + "/report/sweep/{id}", SweepAsync);
        routes.MapGet(HttpApi.RoutePrefix + "/report/stress/{id}", StressAsync);
    }

    private static async Task<IResult> SweepAsync(HttpContext context, string id, MarginApp app)
    {
        if (HttpApi.SweepIdProblem(id) is { } problem)
        {
            return HttpApi.Refuse(context, StatusCodes.Status400BadRequest, problem, "id");
        }

        await app.EnsureCreatedAsync(context.RequestAborted).ConfigureAwait(false);
        return Answer(context, await app.Reports.SweepAsync(id, context.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> StressAsync(HttpContext context, string id, MarginApp app)
    {
        if (StressApi.IdProblem(id) is { } problem)
        {
            return HttpApi.Refuse(context, StatusCodes.Status400BadRequest, problem, "id");
        }

        await app.EnsureCreatedAsync(context.RequestAborted).ConfigureAwait(false);
        return Answer(context, await app.Reports.StressAsync(id, context.RequestAborted).ConfigureAwait(false));
    }

    private static IResult Answer(HttpContext context, ReportOutcome outcome)
    {
        if (outcome.Data is not { } data)
        {
            var status = outcome.Missing ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict;
            return HttpApi.Refuse(context, status, outcome.Problem ?? "no report", "id");
        }

        // The page fetches nothing and runs no script (its own meta policy says so too); the header holds even if it is saved and served elsewhere.
        context.Response.Headers.ContentSecurityPolicy = HtmlReportWriter.ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Text(HtmlReportWriter.Write(data), "text/html", Encoding.UTF8, StatusCodes.Status200OK);
    }
}
