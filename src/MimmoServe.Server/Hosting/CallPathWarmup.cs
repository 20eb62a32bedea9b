using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimmoServe.Grpc.Client;
using MimmoServe.Grpc.Hosting;
using MimmoServe.Grpc.Protocol;
using MimmoServe.Protocol;
using MimmoServe.Protocol.V1;
using MimmoServe.Server.Configuration;
using MimmoServe.Server.Security;
using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Mapping;
using MimmoServe.Serving.Repository;

namespace MimmoServe.Server.Hosting;

/// <summary>
/// Warms the whole call path of a new process before it reports SERVING, so that it serves at its steady rate from its
/// first second of traffic: for at least <see cref="MimmoServerOptions.WarmupSeconds"/>, and then until the JIT is quiet
/// (<see cref="WarmupClock"/>), the server sends itself Predict calls over its own gRPC endpoint on loopback, several at
/// once, every model in turn with single-item and batched requests at its default ensemble size. Kestrel's HTTP/2, the
/// gRPC layer, the batcher and ONNX Runtime run their hot code, the JIT compiles it to its final tier and the thread pool
/// grows to the load before a client arrives. (ONNX Runtime's own
/// per-shape warm-up runs earlier, when each model loads.)
/// <para>The inputs are zeros, or the low end of a model's input range when zero is outside it. With authentication on,
/// the calls carry a random token that <see cref="CallAccess"/> accepts only while the warm-up runs; over TLS the client
/// trusts exactly the certificate the endpoint serves (its SHA-256); when the endpoint requires client certificates
/// (mTLS) the server cannot call itself and the warm-up is skipped, with a log line. A call that fails ends the warm-up
/// early (logged): it never stops the server from serving.</para>
/// </summary>
internal sealed class CallPathWarmup
{
    /// <summary>Calls in flight at once: enough to fill the runs of a 2-core machine and queue the next.</summary>
    private const int Concurrency = 16;

    /// <summary>Items of the batched requests.</summary>
    private const int BatchItems = 4;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly MimmoServerOptions _options;
    private readonly GrpcServerOptions _grpc;
    private readonly IServer _server;
    private readonly AdminListener _admin;
    private readonly CallAccess _access;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CallPathWarmup(
        IOptions<MimmoServerOptions> options,
        IOptions<GrpcServerOptions> grpc,
        IServer server,
        AdminListener admin,
        CallAccess access,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILogger<CallPathWarmup> logger)
    {
        _options = options.Value;
        _grpc = grpc.Value;
        _server = server;
        _admin = admin;
        _access = access;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs the warm-up against <paramref name="repository"/>'s models once the endpoint listens; returns the calls answered.</summary>
    /// <param name="repository">The loaded models; calls already reach them (health still NOT_SERVING).</param>
    /// <param name="cancellationToken">Shutdown: ends the warm-up at once.</param>
    public async Task<long> RunAsync(ModelRepository repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var duration = TimeSpan.FromSeconds(_options.WarmupSeconds);
        if (duration <= TimeSpan.Zero || repository.Models.Count == 0)
        {
            return 0;
        }

        if (_grpc.ClientCertificateAuthorityPath is not null)
        {
            HostLog.WarmupSkipped(_logger, "the gRPC port requires client certificates (mTLS), which the server does not hold");
            return 0;
        }

        await Started(_lifetime.ApplicationStarted).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (GrpcAddress() is not { } address)
        {
            HostLog.WarmupSkipped(_logger, "the gRPC endpoint's address is not known");
            return 0;
        }

        var token = _access.BeginWarmup();
        try
        {
            using var channel = GrpcChannel.ForAddress(address, ChannelOptions());
            return await CallAsync(channel.CreateCallInvoker(), Requests(repository), token, duration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A certificate file that cannot be read now, say: the warm-up is an optimisation, never a reason not to serve.
            HostLog.WarmupError(_logger, e);
            return 0;
        }
        finally
        {
            _access.EndWarmup();
        }
    }

    private async Task<long> CallAsync(CallInvoker calls, PredictRequest[] requests, string? token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add(CallAccess.AuthorizationHeader, CallAccess.BearerScheme + token);
        }

        var start = _time.GetTimestamp();
        var clock = new WarmupClock(_time, duration);
        var answered = 0L;
        var next = -1;
        RpcException? failure = null;

        async Task CallerAsync()
        {
            while (Volatile.Read(ref failure) is null && !cancellationToken.IsCancellationRequested && clock.ShouldContinue())
            {
                var request = requests[(int)((uint)Interlocked.Increment(ref next) % (uint)requests.Length)];
                try
                {
                    var options = new CallOptions(headers, _time.GetUtcNow().UtcDateTime + CallTimeout, cancellationToken);
                    await calls.AsyncUnaryCall(InferenceMethods.Predict, request, options).ResponseAsync.ConfigureAwait(false);
                    Interlocked.Increment(ref answered);
                }
                catch (RpcException e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(CallerAsync, CancellationToken.None))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            HostLog.WarmupFailed(_logger, answered, _time.GetElapsedTime(start).TotalSeconds, failure.StatusCode, failure.Status.Detail);
        }
        else
        {
            HostLog.WarmedUp(_logger, answered, _time.GetElapsedTime(start).TotalSeconds, requests.Length / 2,
                clock.EndedQuiet ? "the JIT was quiet" : "its limit, the JIT still compiling");
        }

        return answered;
    }

    /// <summary>Per model, a single-item request and a batched one of <see cref="BatchItems"/> items.</summary>
    private static PredictRequest[] Requests(ModelRepository repository)
    {
        var requests = new List<PredictRequest>();
        foreach (var model in repository.Models)
        {
            var contract = model.Contract;
            var value = contract.Input.Range is { } range && (range.Min > 0 || range.Max < 0) ? range.Min : 0f;
            var items = Math.Min(BatchItems, model.MaxItemsPerRequest);
            var values = new float[contract.ItemLength * items];
            Array.Fill(values, value);
            var single = new PredictRequest { Model = model.Name, Id = "warm-up", RawData = ProtocolMapping.ToRawData(values.AsSpan(0, contract.ItemLength)) };
            single.Shape.Add(contract.ItemShape);
            var batched = new PredictRequest { Model = model.Name, Id = "warm-up", RawData = ProtocolMapping.ToRawData(values) };
            batched.Shape.Add(items);
            batched.Shape.Add(contract.ItemShape);
            requests.Add(single);
            requests.Add(batched);
        }

        return [.. requests];
    }

    /// <summary>The gRPC endpoint as a loopback address: Kestrel's bound address that is not the admin port's.</summary>
    private Uri? GrpcAddress()
    {
        var admin = _admin.Port;
        var bound = _server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).FirstOrDefault(a => a.Port != admin);
        if (bound is null)
        {
            return null;
        }

        // Every interface: call it on loopback. A specific address: call that address.
        var host = bound.Host switch
        {
            "0.0.0.0" or "*" or "+" => "127.0.0.1",
            "[::]" => "[::1]",
            var specific => specific,
        };
        return new UriBuilder(_grpc.CertificatePath is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps, host, bound.Port).Uri;
    }

    /// <summary>Over TLS, trust exactly the certificate of the endpoint's files (whatever name it carries); else defaults.</summary>
    private GrpcChannelOptions ChannelOptions()
    {
        var options = new GrpcChannelOptions { TimeProvider = _time };
        if (_grpc.CertificatePath is { } path)
        {
            using var served = X509Certificate2.CreateFromPemFile(path, _grpc.CertificateKeyPath);
            var pinned = served.GetCertHash(HashAlgorithmName.SHA256);
            options.RemoteCertificateValidation = (_, certificate, _, _) =>
                certificate is not null && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), pinned);
        }

        return options;
    }

    private static Task Started(CancellationToken started)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        started.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), done);
        return done.Task;
    }
}
