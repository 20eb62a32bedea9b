using MimmoServe.Server.Telemetry;
using MimmoServe.Serving.Telemetry;

namespace MimmoServe.Server.Tests.Telemetry;

/// <summary>The exporter's text: names, escaping, bucket edges, and one host's meter only.</summary>
public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData("we\"ird\\mo\ndel")]
    [InlineData("plain")]
    [InlineData("")]
    public void Collect_LabelValueWithQuotesBackslashNewline_ParsesBackToTheSameValue(string model)
    {
        using var metrics = new ServingMetrics();
        using var collector = new PrometheusCollector(metrics);

        metrics.RecordRequest(model, "accuracy", "OK", TimeSpan.FromMilliseconds(3));
        var scrape = PrometheusScrape.Parse(collector.Collect());

        var sample = Assert.Single(scrape.Named("mimmo_requests_total"));
        Assert.Equal(model, sample.Labels["model"]);
        Assert.Equal(1, sample.Value);
    }

    [Fact]
    public void Collect_ValueOnABucketBound_CountedInThatBucket()
    {
        using var metrics = new ServingMetrics();
        using var collector = new PrometheusCollector(metrics);

        metrics.RecordRequest("m", "size", "OK", TimeSpan.FromMilliseconds(1));
        metrics.RecordRequest("m", "size", "OK", TimeSpan.FromMilliseconds(1.5));
        metrics.RecordRequest("m", "size", "OK", TimeSpan.FromSeconds(60));
        var scrape = PrometheusScrape.Parse(collector.Collect());

        Assert.Equal(0, scrape.Value("mimmo_request_duration_seconds_bucket", ("le", "0.0005")));
        Assert.Equal(1, scrape.Value("mimmo_request_duration_seconds_bucket", ("le", "0.001")));
        Assert.Equal(2, scrape.Value("mimmo_request_duration_seconds_bucket", ("le", "0.0025")));
        Assert.Equal(2, scrape.Value("mimmo_request_duration_seconds_bucket", ("le", "10")));
        Assert.Equal(3, scrape.Value("mimmo_request_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(3, scrape.Value("mimmo_request_duration_seconds_count"));
        Assert.Equal(60.0025, scrape.Value("mimmo_request_duration_seconds_sum"), 9);
    }

    [Fact]
    public void Collect_AnotherMeterOfTheSameName_NotIncluded()
    {
        using var mine = new ServingMetrics();
        using var other = new ServingMetrics();
        using var collector = new PrometheusCollector(mine);

        other.RecordShed("m", ShedReason.QueueFull);
        mine.RecordShed("m", ShedReason.Deadline);
        mine.RecordShed("m", ShedReason.Deadline);
        var scrape = PrometheusScrape.Parse(collector.Collect());

        var sample = Assert.Single(scrape.Named("mimmo_shed_total"));
        Assert.Equal("deadline", sample.Labels["reason"]);
        Assert.Equal(2, sample.Value);
    }

    [Fact]
    public void Collect_RuntimeMeter_IncludedWithDottedTagsAsValidLabelNames()
    {
        using var metrics = new ServingMetrics();
        using var collector = new PrometheusCollector(metrics);
        GC.Collect(0, GCCollectionMode.Forced);

        var text = collector.Collect();
        var scrape = PrometheusScrape.Parse(text);

        // dotnet.gc.collections carries the tag gc.heap.generation: a Prometheus label name has no dots.
        var collections = scrape.Named("dotnet_gc_collections_total").ToList();
        Assert.NotEmpty(collections);
        Assert.All(collections, s => Assert.Contains(s.Labels["gc_heap_generation"], new[] { "gen0", "gen1", "gen2" }));
        Assert.True(collections.Sum(s => s.Value) >= 1);
        Assert.DoesNotContain("gc.heap.generation", text, StringComparison.Ordinal);
        Assert.True(scrape.Value("dotnet_gc_heap_total_allocated_bytes_total") > 0);
    }
}
