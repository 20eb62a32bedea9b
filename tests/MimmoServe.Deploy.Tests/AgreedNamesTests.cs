using System.Text.RegularExpressions;
using MimmoServe.Deploy.Tests.Infrastructure;
using MimmoServe.Server.Configuration;

namespace MimmoServe.Deploy.Tests;

/// <summary>
/// The names the deployment files rely on, looked up in the built server: each agreed setting as a ServerSetting row and
/// an options property, each metric the dashboard, HPA and adapter rule use as a name in the server's code. These fail
/// until the branch named by their DependsOn trait is merged.
/// </summary>
public sealed partial class AgreedNamesTests
{
    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [InlineData("AdminPort")]
    public void TelemetrySetting_Server_HasOptionVariableAndProperty(string property) => AssertSetting(property);

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [InlineData("ShutdownGraceSeconds")]
    public void ProductionSetting_Server_HasOptionVariableAndProperty(string property) => AssertSetting(property);

    [Theory]
    [Trait(DependsOn.Trait, DependsOn.Security)]
    [InlineData("TlsCertificate")]
    [InlineData("TlsKey")]
    [InlineData("TlsClientCa")]
    [InlineData("AuthTokensFile")]
    public void SecuritySetting_Server_HasOptionVariableAndProperty(string property) => AssertSetting(property);

    [Fact]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    public void Metrics_UsedByDeployFiles_AreNamedInTheServersCode()
    {
        var expressions = GrafanaDashboard.Panels().SelectMany(p => p.Expressions)
            .Append(AdapterRule.Rule.Str("seriesQuery"))
            .Append(AdapterRule.Rule.Str("metricsQuery"));
        var used = expressions.SelectMany(PromQl.Series).Select(MetricFamily.OfSeries).OfType<MetricFamily>().Distinct().ToList();

        Assert.NotEmpty(used);
        var missing = used.Where(f => !f.CodeSpellings().Any(CodeLiterals.All.Contains)).Select(f => f.Name).ToList();
        Assert.True(missing.Count == 0, $"Not named in any MimmoServe assembly (looked for each name, without _total or its unit, dots read as underscores): {string.Join(", ", missing)}.");
    }

    [Fact]
    [Trait(DependsOn.Trait, DependsOn.Telemetry)]
    [Trait(DependsOn.Trait, DependsOn.Production)]
    [Trait(DependsOn.Trait, DependsOn.Security)]
    public void DeployReadme_MimmoVariables_ExistInTheServer()
    {
        var variables = VariablePattern().Matches(RepositoryFiles.Read("deploy/README.md")).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(variables);
        ServerSurface.AssertKnown(variables, "deploy/README.md");
    }

    private static void AssertSetting(string property)
    {
        var agreed = Array.Find(AgreedSetting.Pending, s => s.Property == property)!;
        var setting = ServerSurface.Settings.SingleOrDefault(s => s.EnvironmentVariable == agreed.EnvironmentVariable);

        Assert.True(setting is not null, $"ServerSetting.All has no {agreed.EnvironmentVariable} yet: it comes with branch '{agreed.Branch}'.");
        Assert.Equal(agreed.Option, setting.Option);
        Assert.Equal($"{MimmoServerOptions.SectionName}:{property}", setting.Key);
        Assert.NotNull(typeof(MimmoServerOptions).GetProperty(property));
    }

    [GeneratedRegex(@"\bMIMMO_[A-Z_]*[A-Z]\b")]
    private static partial Regex VariablePattern();
}
