using MimmoServe.Deploy.Tests.Infrastructure;

namespace MimmoServe.Deploy.Tests.Observability;

/// <summary>The provisioned dashboard and Grafana's provisioning files.</summary>
public sealed class GrafanaTests
{
    [Fact]
    public void Dashboard_EveryQuery_UsesAgreedMetricsAndTheirLabels()
    {
        foreach (var (title, expressions) in GrafanaDashboard.Panels())
        {
            Assert.NotEmpty(expressions);
            foreach (var expression in expressions)
            {
                Assert.True(PromQl.Problems(expression).Count == 0, $"Panel '{title}': {string.Join("; ", PromQl.Problems(expression))} in {expression}");
                Assert.NotEmpty(PromQl.Series(expression));
            }
        }
    }

    [Theory]
    [InlineData("mimmo_requests_total", "mode")]
    [InlineData("mimmo_queue_duration_seconds", "model")]
    [InlineData("mimmo_compute_duration_seconds", "model")]
    [InlineData("mimmo_run_inputs", "model")]
    [InlineData("mimmo_slot_fill_ratio", "model")]
    [InlineData("mimmo_shed_total", "reason")]
    [InlineData("mimmo_prediction_entropy", "mode")]
    [InlineData("mimmo_prediction_mutual_information", "mode")]
    public void Dashboard_Topic_HasAPanelGroupedByItsLabel(string family, string label)
    {
        var expressions = GrafanaDashboard.Panels().SelectMany(p => p.Expressions)
            .Where(e => PromQl.Series(e).Any(s => MetricFamily.OfSeries(s)?.Name == family));

        Assert.Contains(expressions, e => PromQl.Grouping(e).Contains(label));
    }

    [Fact]
    public void Dashboard_DataSources_AreTheProvisionedPrometheus()
    {
        var provisioned = Yaml.LoadFile("deploy/observability/grafana/provisioning/datasources/prometheus.yaml")
            .Maps("datasources").Single();

        Assert.Equal("prometheus", provisioned.Str("type"));
        Assert.All(GrafanaDashboard.DataSourceUids(), uid => Assert.Equal(provisioned.Str("uid"), uid));
        Assert.Equal("http://prometheus:9090", provisioned.Str("url"));
        Assert.Contains(9090, ComposeFile.ContainerPorts("prometheus"));
    }

    [Fact]
    public void DashboardProvider_Path_IsWhereComposeMountsTheDashboards()
    {
        var path = Yaml.LoadFile("deploy/observability/grafana/provisioning/dashboards/mimmoserve.yaml")
            .Maps("providers").Single().Map("options").Str("path");
        var dashboardsFolder = System.IO.Path.GetDirectoryName(GrafanaDashboard.Path)!.Replace('\\', '/');

        Assert.Contains($"./{dashboardsFolder}:{path}:ro", ComposeFile.Service("grafana").Strings("volumes"));
        Assert.Contains("./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro", ComposeFile.Service("grafana").Strings("volumes"));
    }
}
