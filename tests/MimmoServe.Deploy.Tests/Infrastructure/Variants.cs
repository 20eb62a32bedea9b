namespace MimmoServe.Deploy.Tests.Infrastructure;

/// <summary>The image variants: the Dockerfile's VARIANT build argument, the kustomize overlay and the compose service of each.</summary>
internal static class Variants
{
    public const string Gpu = "gpu";
    public const string Cpu = "cpu";

    /// <summary>The Dockerfile's build argument that selects the variant.</summary>
    public const string BuildArg = "VARIANT";

    public static string Overlay(string variant) => "deploy/overlays/" + variant;

    public static string ComposeService(string variant) => "mimmoserve-" + variant;

    /// <summary>The provider MIMMO_PROVIDER must name in the variant (as config.json and --provider spell it).</summary>
    public static string Provider(string variant) => variant == Gpu ? "cuda" : "cpu";

    public static TheoryData<string> All => new() { Gpu, Cpu };
}
