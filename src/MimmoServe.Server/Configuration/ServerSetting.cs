namespace MimmoServe.Server.Configuration;

/// <summary>One setting the command line and the <c>MIMMO_*</c> environment variables can give, and its configuration key.</summary>
internal sealed record ServerSetting(string Option, string EnvironmentVariable, string Key, string ValueName, string Description)
{
    /// <summary>Every such setting; the help text lists them in this order.</summary>
    public static readonly ServerSetting[] All =
    [
        new("--port", "MIMMO_PORT", "Mimmo:Port", "N", $"gRPC port (default {MimmoServerOptions.DefaultPort}; 0 picks a free one)"),
        new("--listen-address", "MIMMO_LISTEN_ADDRESS", "Mimmo:ListenAddress", "IP", 
            $"address of the gRPC port (default {MimmoServerOptions.DefaultListenAddress}: every interface)"),
        new("--models", "MIMMO_MODELS", "Mimmo:Models", "DIR", $"model folder, <DIR>/<name>/model.onnx (default {MimmoServerOptions.DefaultModels}: the current directory's, else the repository's)"),
        new("--provider", "MIMMO_PROVIDER", "Mimmo:Provider", "NAME", $"execution provider for every model: {string.Join(" | ", ProviderNames.All)} (default: each model's config.json, else cpu)"),
        new("--default-model", "MIMMO_DEFAULT_MODEL", "Mimmo:DefaultModel", "NAME", "model of requests that name none (default: the first by name)"),
        new("--admin-port", "MIMMO_ADMIN_PORT", "Mimmo:AdminPort", "N", $"admin HTTP port: /metrics, /healthz, /readyz (default {MimmoServerOptions.DefaultAdminPort}; 0 picks a free one)"),
        new("--admin-address", "MIMMO_ADMIN_ADDRESS", "Mimmo:AdminAddress", "IP", 
            $"address of the admin port (default {MimmoServerOptions.DefaultAdminAddress}: loopback only; 0.0.0.0 for Prometheus elsewhere)"),
        new("--shutdown-grace", "MIMMO_SHUTDOWN_GRACE_SECONDS", "Mimmo:ShutdownGraceSeconds", "S", $"seconds queued and running requests may take to finish after SIGTERM (default {MimmoServerOptions.DefaultShutdownGraceSeconds})"),
        new("--warmup-seconds", "MIMMO_WARMUP_SECONDS", "Mimmo:WarmupSeconds", "S",
            $"seconds the server calls itself at start-up at least, before SERVING, to warm the call path; then on while the JIT still compiles, up to 10 s more (default {MimmoServerOptions.DefaultWarmupSeconds}; 0: none)"),
        new("--ort-library", "MIMMO_ORT_LIBRARY", "Onnx:Library", "PATH", "libonnxruntime.so to load (default: the one next to the server)"),
        new("--tls-cert", "MIMMO_TLS_CERT", "Mimmo:TlsCertificate", "PEM", "certificate chain: TLS on the gRPC port (default: cleartext)"),
        new("--tls-key", "MIMMO_TLS_KEY", "Mimmo:TlsKey", "PEM", "private key of --tls-cert (default: in the certificate file)"),
        new("--tls-client-ca", "MIMMO_TLS_CLIENT_CA", "Mimmo:TlsClientCa", "PEM", "CA bundle: clients must present a certificate it signed (mTLS; default: none asked)"),
        new("--auth-tokens-file", "MIMMO_AUTH_TOKENS_FILE", "Mimmo:AuthTokensFile", "FILE", "bearer tokens, one per line with optional models (default: no auth; health stays open)"),
        new("--max-message-size", "MIMMO_MAX_MESSAGE_SIZE", "Grpc:MaxReceiveMessageSize", "BYTES", "largest request message (default 4194304; larger: RESOURCE_EXHAUSTED)"),
        new("--max-header-size", "MIMMO_MAX_HEADER_SIZE", "Grpc:MaxHeaderListSize", "BYTES", $"largest request header list (default {Grpc.Hosting.GrpcServerOptions.DefaultMaxHeaderListSize})"),
        new("--max-streams", "MIMMO_MAX_STREAMS", "Grpc:MaxStreamsPerConnection", "N", "concurrent calls per HTTP/2 connection (default 100)"),
        new("--max-connections", "MIMMO_MAX_CONNECTIONS", "Grpc:MaxConcurrentConnections", "N",
            $"open TCP connections, both ports together (default {Grpc.Hosting.GrpcServerOptions.DefaultMaxConcurrentConnections})"),
        new("--max-request-bytes", "MIMMO_MAX_REQUEST_BYTES", "Grpc:MaxRequestBytesInFlight", "BYTES",
            $"request bytes all calls may hold at once (default {Grpc.Hosting.GrpcServerOptions.DefaultMaxRequestBytesInFlight}; beyond: RESOURCE_EXHAUSTED)"),
    ];
}
