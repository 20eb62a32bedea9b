using System.Net;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>Plain HTTP requests to a server's ports, as a probe or a Prometheus scraper would send them.</summary>
internal static class AdminHttp
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };

    public static async Task<(HttpStatusCode Status, string Body, string? ContentType)> SendAsync(
        int port, HttpMethod method, string path, bool http2 = false, string host = "127.0.0.1")
    {
        using var request = new HttpRequestMessage(method, $"http://{host}:{port}{path}")
        {
            // Cleartext HTTP/2 with prior knowledge, as on the gRPC port; HTTP/1.1 as probes and scrapers send.
            Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString());
    }

    public static Task<(HttpStatusCode Status, string Body, string? ContentType)> GetAsync(
        int port, string path, bool http2 = false, string host = "127.0.0.1") =>
        SendAsync(port, HttpMethod.Get, path, http2, host);

    /// <summary>Scrapes /metrics and parses it; fails the test unless it is 200 with the 0.0.4 content type.</summary>
    public static async Task<PrometheusScrape> ScrapeAsync(int port)
    {
        var (status, body, contentType) = await GetAsync(port, "/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        return PrometheusScrape.Parse(body);
    }
}
