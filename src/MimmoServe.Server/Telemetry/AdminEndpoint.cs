using Microsoft.AspNetCore.Http;
using MimmoServe.Grpc.Health;
using MimmoServe.Grpc.Health.V1;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// Answers every request of the admin listener, and nothing else (so the admin port serves no gRPC and the gRPC port
/// no /metrics): <c>GET /metrics</c> (Prometheus text), <c>GET /healthz</c> (200 while the process runs),
/// <c>GET /readyz</c> (200 when health "" is SERVING: the models are loaded and the server is not draining; 503
/// otherwise). Other paths are 404, other methods 405.
/// </summary>
internal sealed class AdminEndpoint
{
    public const string MetricsPath = "/metrics";
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";

    private readonly PrometheusCollector _collector;
    private readonly HealthStatusRegistry _health;

    public AdminEndpoint(PrometheusCollector collector, HealthStatusRegistry health)
    {
        _collector = collector;
        _health = health;
    }

    /// <summary>The middleware: admin connections end here; the others go on to gRPC.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        return context.Features.Get<AdminConnection>() is null ? next(context) : AnswerAsync(context);
    }

    private Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value;
        if (path is not (MetricsPath or LivePath or ReadyPath))
        {
            return Text(response, StatusCodes.Status404NotFound, $"not found; the admin port serves {MetricsPath}, {LivePath} and {ReadyPath}\n");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            return Text(response, StatusCodes.Status405MethodNotAllowed, "method not allowed\n");
        }

        switch (path)
        {
            case MetricsPath:
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = PrometheusText.ContentType;
                return response.WriteAsync(_collector.Collect(), context.RequestAborted);
            case LivePath:
                return Text(response, StatusCodes.Status200OK, "ok\n");
            default:
                var ready = _health.TryGetStatus(HealthStatusRegistry.OverallService, out var status) ? status : HealthCheckResponse.Types.ServingStatus.ServiceUnknown;
                return ready == HealthCheckResponse.Types.ServingStatus.Serving
                    ? Text(response, StatusCodes.Status200OK, "ready\n")
                    : Text(response, StatusCodes.Status503ServiceUnavailable, $"not ready: {ready}\n");
        }
    }

    private static Task Text(HttpResponse response, int status, string body)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(body);
    }
}
