using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Server.Telemetry;

/// <summary>
/// The admin listener: a second Kestrel endpoint on <see cref="MimmoServerOptions.AdminPort"/> and
/// <see cref="MimmoServerOptions.AdminAddress"/> (loopback unless set: no TLS, no authentication), plain HTTP/1.1 only (a
/// gRPC client's HTTP/2 preface is refused). Each of its connections carries <see cref="AdminConnection"/>, which is how
/// the pipeline tells admin requests from gRPC ones whatever the ports are.
/// </summary>
internal sealed class AdminListener : IConfigureOptions<KestrelServerOptions>
{
    private readonly MimmoServerOptions _options;
    private ListenOptions? _listen;

    public AdminListener(IOptions<MimmoServerOptions> options)
    {
        _options = options.Value;
    }

    /// <summary>The port bound (the free one picked when <see cref="MimmoServerOptions.AdminPort"/> is 0); null before start.</summary>
    public int? Port => _listen?.IPEndPoint is { Port: > 0 } endpoint ? endpoint.Port : null;

    public void Configure(KestrelServerOptions options)
    {
        // Validated at start-up (MimmoServerOptionsValidator).
        options.Listen(IPAddress.Parse(_options.AdminAddress), _options.AdminPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(AdminConnection.Instance);
                return next(connection);
            });
            _listen = listen;
        });
    }
}
