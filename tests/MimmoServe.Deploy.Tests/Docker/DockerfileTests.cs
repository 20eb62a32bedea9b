using System.Text.Json;
using System.Xml.Linq;
using MimmoServe.Deploy.Tests.Infrastructure;
using MimmoServe.Onnx;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Deploy.Tests.Docker;

/// <summary>The Dockerfile's stages against the facts of the build and the binding: bases, user, libraries, health.</summary>
public sealed class DockerfileTests
{
    private const string AppFolder = "/app";
    private const string OrtFolder = "/ort";

    [Fact]
    public void BaseImages_EveryStage_PinnedByFullVersionTag()
    {
        var file = DockerfileFacts.File;
        foreach (var variant in (string[])[Variants.Gpu, Variants.Cpu])
        {
            var args = DockerfileFacts.Args(variant);
            foreach (var stage in file.Stages)
            {
                var from = Dockerfile.Expand(stage.From, args);
                if (file.Stages.Any(s => s.Name == from))
                {
                    continue;
                }

                var image = ImageReference.Parse(from);
                Assert.True(image.IsPinned, $"Stage {stage.Name ?? "?"} ({variant}) is built on {from}: pin it by a full version tag.");
            }
        }
    }

    [Fact]
    public void Variant_DefaultAndCpu_SelectTheGpuAndCpuRuntimes()
    {
        var file = DockerfileFacts.File;

        Assert.Equal(Variants.Gpu, file.GlobalArgs[Variants.BuildArg]);
        var gpuBase = ImageReference.Parse(Dockerfile.BaseImage(DockerfileFacts.FinalChain(Variants.Gpu), DockerfileFacts.Args(Variants.Gpu)));
        var cpuBase = ImageReference.Parse(Dockerfile.BaseImage(DockerfileFacts.FinalChain(Variants.Cpu), DockerfileFacts.Args(Variants.Cpu)));
        Assert.Equal("nvidia/cuda", gpuBase.Repository);
        Assert.Matches(@"^12\.\d+\.\d+-cudnn-runtime-", gpuBase.Tag);
        Assert.DoesNotContain("cuda", cpuBase.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void User_FinalStage_IsNumericAndNotRoot(string variant)
    {
        var user = DockerfileFacts.FinalUser(variant);

        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER must be a numeric non-root uid (Kubernetes' runAsNonRoot checks it), found '{user}'.");
    }

    [Fact]
    public void OrtVersion_Arg_IsThePinnedNpmVersionAndServesTheBindingsApi()
    {
        var pinned = JsonDocument.Parse(RepositoryFiles.Read("native/package.json")).RootElement
            .GetProperty("dependencies").GetProperty("onnxruntime-node").GetString()!;
        var ortVersion = DockerfileFacts.File.GlobalArgs["ORT_VERSION"];

        Assert.Equal(pinned, ortVersion);
        Assert.True(Version.Parse(ortVersion) >= OnnxConstants.MinimumVersion, $"ONNX Runtime {ortVersion} is older than the binding's minimum {OnnxConstants.MinimumVersion}.");
        var gpuRun = string.Join('\n', DockerfileFacts.File.Stage("ort-gpu").Runs);
        Assert.Contains("onnxruntime-linux-x64-gpu-${ORT_VERSION}.tgz", gpuRun, StringComparison.Ordinal);
        Assert.Contains("releases/download/v${ORT_VERSION}/", gpuRun, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Variants.Gpu, new[] { "libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so" })]
    [InlineData(Variants.Cpu, new string[0])]
    public void OrtLibraries_Variant_GoIntoTheFolderTheBuildShipsBesideTheServer(string variant, string[] providers)
    {
        var file = DockerfileFacts.File;
        var ortStage = file.Chain(file.Stage("ort"), DockerfileFacts.Args(variant))[^1];
        var ortRun = string.Join('\n', ortStage.Runs);
        var library = ShippedLibraryName();

        Assert.Equal("ort-" + variant, ortStage.Name);
        Assert.Contains($"{OrtFolder}/{library}", ortRun, StringComparison.Ordinal);
        Assert.All(providers, p => Assert.Contains($"{p} {OrtFolder}/", ortRun, StringComparison.Ordinal));

        // The build stage takes /ort from the variant's stage and publishes with it: build/OnnxRuntime.targets copies
        // MimmoOrtLibrary (as the name the binding looks for) and libonnxruntime_providers_*.so beside it into the output.
        var build = file.Stage("build");
        Assert.Contains(build.All("COPY"), c => c.Flag("from") == "ort" && c.Words().Contains(OrtFolder + "/"));
        var publishes = build.Runs.Single().Split("dotnet publish").Skip(1).ToList();
        Assert.Equal(2, publishes.Count);
        Assert.All(publishes, p => Assert.Contains($"-p:MimmoOrtLibrary={OrtFolder}/{library} -o {AppFolder}", p, StringComparison.Ordinal));
        Assert.Contains(OnnxConstants.LibraryFileNames, n => n == library);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void App_FinalStage_RunsTheServerFromTheFolderHoldingTheLibrary(string variant)
    {
        var final = DockerfileFacts.FinalChain(variant)[0];
        var environment = DockerfileFacts.FinalEnvironment(variant);

        Assert.Contains(final.All("COPY"), c => c.Flag("from") == "build" && c.Words().Contains(AppFolder + "/"));
        Assert.Equal($"{AppFolder}/MimmoServe.Server", DockerInstruction.ExecForm(final.All("ENTRYPOINT").Single().Arguments)!.Single());
        Assert.False(environment.ContainsKey(OnnxConstants.LibraryEnvironmentVariable), $"{OnnxConstants.LibraryEnvironmentVariable} would override the library shipped in {AppFolder}.");
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Healthcheck_FinalStage_RunsMimmoHealthOnTheGrpcPort(string variant)
    {
        var final = DockerfileFacts.FinalChain(variant)[0];
        var healthcheck = final.All("HEALTHCHECK").Single().Arguments;
        var command = DockerInstruction.ExecForm(healthcheck[(healthcheck.IndexOf("CMD", StringComparison.Ordinal) + 3)..])!;
        var port = ServerSurface.Bind(DockerfileFacts.FinalEnvironment(variant)).Port;

        Assert.Equal([$"{AppFolder}/mimmo", "health"], command.Take(2));
        Assert.Equal($"localhost:{port}", command[command.ToList().IndexOf("--address") + 1]);
        Assert.Contains("src/MimmoServe.Cli/MimmoServe.Cli.csproj", DockerfileFacts.File.Stage("build").Runs.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Environment_FinalStage_SetsOnlyVariablesTheServerReads(string variant)
    {
        var environment = DockerfileFacts.FinalEnvironment(variant);

        ServerSurface.AssertKnown(environment.Keys, $"The Dockerfile ({variant})");
        Assert.Equal(Variants.Provider(variant), environment["MIMMO_PROVIDER"]);
    }

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Expose_FinalStage_ListsTheGrpcAndAdminPorts(string variant)
    {
        var options = ServerSurface.Bind(DockerfileFacts.FinalEnvironment(variant));
        var exposed = DockerfileFacts.FinalChain(variant)[0].All("EXPOSE").SelectMany(e => e.Words()).ToList();

        Assert.Equal(MimmoServerOptions.DefaultPort, options.Port);
        Assert.Equal(
            [options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ServerSurface.Value<int>(options, "AdminPort").ToString(System.Globalization.CultureInfo.InvariantCulture)],
            exposed);
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Models_FinalStage_BundledInTheVolumeTheServerReads(string variant)
    {
        var final = DockerfileFacts.FinalChain(variant)[0];
        var models = ServerSurface.Bind(DockerfileFacts.FinalEnvironment(variant)).Models;

        Assert.Equal("/models", models);
        Assert.Contains(final.All("COPY"), c => c.Flag("from") == "build" && c.Words()[^1] == models + "/");
        Assert.Equal([models], DockerInstruction.ExecForm(final.All("VOLUME").Single().Arguments));
        Assert.Contains("models/*/", DockerfileFacts.File.Stage("build").Runs.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void OrtGpuDigest_Stage_CheckedByTheScriptWithNoDigestAndNoOverrideByDefault()
    {
        var stage = DockerfileFacts.File.Stage("ort-gpu");
        var args = stage.All("ARG").SelectMany(a => a.Words()).Select(w => w.Split('=', 2)).ToDictionary(w => w[0], w => w.Length > 1 ? w[1] : string.Empty);
        var run = stage.Runs.Single();

        Assert.Equal(string.Empty, args["ORT_GPU_SHA256"]);
        Assert.Equal("false", args["ORT_GPU_ALLOW_UNVERIFIED"]);
        Assert.Contains(stage.All("COPY"), c => c.Words().SequenceEqual(["build/verify-sha256.sh", "/usr/local/bin/verify-sha256"]));
        var verify = run.IndexOf("verify-sha256 \"/tmp/${name}\" \"${ORT_GPU_SHA256}\" \"${ORT_GPU_ALLOW_UNVERIFIED}\";", StringComparison.Ordinal);
        Assert.True(
            verify > run.IndexOf("curl ", StringComparison.Ordinal) && verify < run.IndexOf("tar -xzf", StringComparison.Ordinal),
            "the tarball must be verified after the download and before it is unpacked");
        Assert.StartsWith("set -eu;", run.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("right", "false", 0)]
    [InlineData("wrong", "false", 1)]
    [InlineData("wrong", "true", 1)]
    [InlineData("", "false", 1)]
    [InlineData("", "", 1)]
    [InlineData("", "true", 0)]
    public void VerifySha256_DigestAndOverride_FailsUnlessVerifiedOrExplicitlyAllowed(string digest, string allowUnverified, int exitCode)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "not really a tarball");
            var expected = digest switch
            {
                "right" => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))),
                "wrong" => new string('0', 64),
                _ => string.Empty,
            };

            var (code, output) = Shell.Run("/bin/sh", RepositoryFiles.PathOf("build/verify-sha256.sh"), file, expected, allowUnverified);

            Assert.True(code == exitCode, $"exit code {code}, expected {exitCode}: {output}");
            if (digest.Length == 0 && exitCode != 0)
            {
                Assert.Contains("--build-arg ORT_GPU_SHA256=", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void Models_FinalStage_OwnedByRootNotByTheRuntimeUser(string variant)
    {
        var chain = DockerfileFacts.FinalChain(variant);
        var copy = chain[0].All("COPY").Single(c => c.Words()[^1] == "/models/");
        var user = DockerfileFacts.FinalUser(variant);

        Assert.Contains(copy.Flag("chown"), (string?[])[null, "root:root", "0:0"]);
        Assert.NotEqual("0", user);
        Assert.DoesNotContain(
            chain.SelectMany(s => s.Runs),
            r => r.Contains("/models", StringComparison.Ordinal)
                 && (r.Contains("chown", StringComparison.Ordinal) || r.Contains("chmod", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Variants.All), MemberType = typeof(Variants))]
    public void AdminAddress_FinalStage_EveryInterfaceOfTheContainer(string variant)
    {
        var options = ServerSurface.Bind(DockerfileFacts.FinalEnvironment(variant));

        Assert.Equal("0.0.0.0", options.AdminAddress);
        Assert.Equal(MimmoServerOptions.DefaultAdminAddress, new MimmoServerOptions().AdminAddress);
    }

    /// <summary>The name build/OnnxRuntime.targets gives the library in the output (its Link).</summary>
    private static string ShippedLibraryName()
    {
        var targets = XDocument.Parse(RepositoryFiles.Read("build/OnnxRuntime.targets"));
        return targets.Descendants("None").Single(n => (string?)n.Attribute("Include") == "$(MimmoOrtLibrary)").Attribute("Link")!.Value;
    }
}
