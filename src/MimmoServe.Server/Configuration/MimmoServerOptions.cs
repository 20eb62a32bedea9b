using MimmoServe.Onnx;

namespace MimmoServe.Server.Configuration;

/// <summary>
/// The host's settings, bound from the "Mimmo" section (appsettings.json, <c>Mimmo__Port</c>-style variables,
/// the <c>MIMMO_*</c> variables and the command line; later sources win) and validated at start-up by
/// <see cref="MimmoServerOptionsValidator"/>. Every default is on its property.
/// </summary>
public sealed class MimmoServerOptions
{
    public const string SectionName = "Mimmo";
    public const int DefaultPort = 50051;
    public const string DefaultModels = "models";
    public const int DefaultMaxStreamInFlight = 64;
    public const int DefaultAdminPort = 8080;
    public const int DefaultShutdownGraceSeconds = 25;
    public const string DefaultListenAddress = "0.0.0.0";
    public const string DefaultAdminAddress = "127.0.0.1";
    public const int MaxShutdownGraceSeconds = 3600;
    public const double DefaultWarmupSeconds = 3;
    public const double MaxWarmupSeconds = 300;

    /// <summary>Added to the grace for ASP.NET Core's HostOptions.ShutdownTimeout: the endpoint closes and the models are released after the grace.</summary>
    public const int ShutdownMarginSeconds = 5;

    /// <summary>The gRPC port. Default 50051; 0 picks a free port (tests).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The admin port: plain HTTP/1.1 with <c>/metrics</c> (Prometheus text), <c>/healthz</c> and <c>/readyz</c>, on
    /// <see cref="AdminAddress"/>. Default 8080; 0 picks a free port (tests).
    /// </summary>
    public int AdminPort { get; set; } = DefaultAdminPort;

    /// <summary>
    /// The address of the gRPC port. Default "0.0.0.0" (every IPv4 interface: it is the service); "127.0.0.1" for loopback
    /// only, "::" for IPv6 too.
    /// </summary>
    public string ListenAddress { get; set; } = DefaultListenAddress;

    /// <summary>
    /// The address of the admin port. Default "127.0.0.1" (loopback only): the admin port has no TLS and no authentication,
    /// and its metrics name the models and their traffic, so it is opened to a network only on purpose. The container
    /// image sets "0.0.0.0" (Prometheus and probes come from outside the container; publishing and NetworkPolicy decide
    /// who reaches it).
    /// </summary>
    public string AdminAddress { get; set; } = DefaultAdminAddress;

    /// <summary>
    /// The model folder (<c>&lt;folder&gt;/&lt;name&gt;/model.onnx</c>). Default "models". A relative path is looked up
    /// in the current directory, then in the repository root above the application (so that
    /// <c>dotnet run --project src/MimmoServe.Server</c> serves the bundled models from anywhere in the repository).
    /// </summary>
    public string Models { get; set; } = DefaultModels;

    /// <summary>The model of requests that name none. Default null: the first served model by name.</summary>
    public string? DefaultModel { get; set; }

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>tensorrt</c> for every model, overriding each config.json. Default null: each model's own.</summary>
    public string? Provider { get; set; }

    /// <summary>ONNX Runtime intra-op threads for every model, overriding config.json. Default null: each model's own (0 = automatic, <see cref="Serving.Repository.ModelConfig.IntraOpThreadsFor"/>).</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>ONNX Runtime inter-op threads for every model, overriding config.json. Default null: each model's own.</summary>
    public int? InterOpThreads { get; set; }

    /// <summary>
    /// Requests of one PredictStream call that may be queued or running at once; the stream stops reading until one
    /// completes, so a fast client gets flow control instead of RESOURCE_EXHAUSTED. Default 64.
    /// </summary>
    public int MaxStreamInFlight { get; set; } = DefaultMaxStreamInFlight;

    /// <summary>
    /// Shutdown (SIGTERM, Ctrl+C): how long queued and running requests may take to finish once health is NOT_SERVING
    /// and new calls get UNAVAILABLE. Requests still unfinished then are answered UNAVAILABLE and running runs are
    /// stopped; then the process exits 0. ASP.NET Core's shutdown timeout is set to this plus
    /// <see cref="ShutdownMarginSeconds"/>. Default 25 s (Kubernetes waits 30 s before SIGKILL). 0 to 3600.
    /// </summary>
    public int ShutdownGraceSeconds { get; set; } = DefaultShutdownGraceSeconds;

    /// <summary>
    /// Start-up: for how long at least the server calls itself (Predict over its own gRPC port, every model) once the
    /// models are loaded and before health says SERVING, so that a new process serves at its steady rate from its first
    /// second of traffic (Hosting/CallPathWarmup.cs); it goes on while the JIT is still compiling, up to 10 s more
    /// (Hosting/WarmupClock.cs). Default 3 s; 0 turns it off. 0 to 300.
    /// </summary>
    public double WarmupSeconds { get; set; } = DefaultWarmupSeconds;

    /// <summary>Test hook: the execution provider's circuit breaker also around CPU sessions (this machine kind has no GPU). Not bound from configuration.</summary>
    internal bool BreakOnCpu { get; set; }

    /// <summary>
    /// A PEM certificate (chain) file: TLS on the gRPC port (HTTP/2, ALPN h2) when set. Default null: cleartext. The files
    /// are read again when they change, so a rotated certificate serves new connections without a restart.
    /// </summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/>. Default null: the key is in the certificate file.</summary>
    public string? TlsKey { get; set; }

    /// <summary>
    /// A PEM bundle of CA certificates. Default null. When set (with <see cref="TlsCertificate"/>), every client must
    /// present a certificate signed by one of them (mTLS); others are refused at the TLS handshake. Read again when it
    /// changes; intermediates belong in it (nothing a client certificate names is downloaded).
    /// </summary>
    public string? TlsClientCa { get; set; }

    /// <summary>
    /// A file of bearer tokens, one per line, each optionally followed by the models it may use (see
    /// <see cref="Security.TokenFile"/>). Default null: no authentication. When set, mimmo.v1.Inference needs
    /// <c>authorization: Bearer &lt;token&gt;</c>; health and reflection stay open.
    /// </summary>
    public string? AuthTokensFile { get; set; }

    /// <summary>The provider as <see cref="ExecutionProvider"/>; null when unset. Call after validation.</summary>
    internal ExecutionProvider? ParsedProvider => Provider is null ? null : ProviderNames.Parse(Provider);
}
