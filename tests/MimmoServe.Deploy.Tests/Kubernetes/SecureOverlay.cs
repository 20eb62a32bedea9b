namespace MimmoServe.Deploy.Tests.Kubernetes;

/// <summary>The overlay with TLS and bearer tokens (deploy/components/tls-tokens over the cpu overlay) and its Secrets.</summary>
internal static class SecureOverlay
{
    public const string Folder = "deploy/overlays/cpu-secure";
    public const string TlsSecret = "mimmoserve-tls";
    public const string TokensSecret = "mimmoserve-tokens";
}
