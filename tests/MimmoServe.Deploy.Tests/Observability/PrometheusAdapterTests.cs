using MimmoServe.Deploy.Tests.Infrastructure;

namespace MimmoServe.Deploy.Tests.Observability;

/// <summary>The prometheus-adapter rule behind the autoscaler's queue-time metric.</summary>
public sealed class PrometheusAdapterTests
{
    [Fact]
    public void Rule_Queries_UseAgreedMetricsAndLabels()
    {
        var rule = AdapterRule.Rule;

        foreach (var query in (string[])[rule.Str("seriesQuery"), rule.Str("metricsQuery")])
        {
            Assert.Empty(PromQl.Problems(query));
            Assert.Contains("mimmo_queue_duration_seconds", PromQl.Series(query).Select(s => MetricFamily.OfSeries(s)!.Name));
        }
    }

    [Fact]
    public void Rule_MetricsQuery_IsPerPodMeanOfTheQueueHistogram()
    {
        var query = AdapterRule.Rule.Str("metricsQuery");

        Assert.Contains("mimmo_queue_duration_seconds_sum{<<.LabelMatchers>>}", query, StringComparison.Ordinal);
        Assert.Contains("mimmo_queue_duration_seconds_count{<<.LabelMatchers>>}", query, StringComparison.Ordinal);
        Assert.Contains("by (<<.GroupBy>>)", query, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_Resources_MapNamespaceAndPod()
    {
        var overrides = AdapterRule.Rule.Map("resources").Map("overrides");

        Assert.Equal("namespace", overrides.Map("namespace").Str("resource"));
        Assert.Equal("pod", overrides.Map("pod").Str("resource"));
    }

    [Fact]
    public void Rule_NameMatch_SelectsTheSeriesOfTheSeriesQuery()
    {
        var rule = AdapterRule.Rule;
        var series = PromQl.Series(rule.Str("seriesQuery")).Single();

        Assert.Matches(rule.Map("name").Str("matches"), series);
        Assert.DoesNotContain(AdapterRule.ExposedName, MetricFamily.Agreed.Select(f => f.Name));
    }
}
