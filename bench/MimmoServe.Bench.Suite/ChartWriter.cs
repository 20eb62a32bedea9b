using System.Globalization;
using System.Net;
using System.Text;

namespace MimmoServe.Bench.Suite;

/// <summary>
/// The accuracy-throughput chart as SVG: one point per (model, k), served inputs per second at saturation on a log
/// axis against the model's test accuracy at that k. Points of one model are joined, k = M to k = 1.
/// </summary>
internal static class ChartWriter
{
    private const double Width = 760, Height = 460, Left = 70, Right = 190, Top = 40, Bottom = 60;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    public static string Render(IReadOnlyList<ServedPoint> served)
    {
        var points = served.Where(p => p.Quality is not null && p.Saturation.PerSecond > 0).ToList();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"22\" font-size=\"15\">Accuracy against served inputs per second (one point per model and k)</text>\n");
        if (points.Count == 0)
        {
            svg.Append("<text x=\"70\" y=\"100\">no point has both a throughput and an accuracy</text>\n</svg>\n");
            return svg.ToString();
        }

        var xMin = Math.Pow(10, Math.Floor(Math.Log10(points.Min(p => p.Saturation.PerSecond))));
        var xMax = Math.Pow(10, Math.Ceiling(Math.Log10(points.Max(p => p.Saturation.PerSecond))));
        var yMin = Math.Floor((points.Min(p => p.Quality!.Accuracy) - 0.005) * 100) / 100;
        var yMax = Math.Ceiling((points.Max(p => p.Quality!.Accuracy) + 0.005) * 100) / 100;
        double X(double v) => Left + ((Math.Log10(v) - Math.Log10(xMin)) / (Math.Log10(xMax) - Math.Log10(xMin)) * (Width - Left - Right));
        double Y(double v) => Height - Bottom - ((v - yMin) / (yMax - yMin) * (Height - Top - Bottom));

        // Axes, ticks and grid.
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#444\"/>\n");
        for (var decade = xMin; decade <= xMax * 1.0001; decade *= 10)
        {
            foreach (var step in new[] { 1.0, 2.0, 5.0 })
            {
                var v = decade * step;
                if (v > xMax * 1.0001)
                {
                    break;
                }

                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(v):F1}\" y1=\"{Top}\" x2=\"{X(v):F1}\" y2=\"{Height - Bottom}\" stroke=\"#ddd\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(v):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{GoalEvaluator.N(v)}</text>\n");
            }
        }

        for (var v = yMin; v <= yMax + 1e-9; v += 0.01)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(v):F1}\" x2=\"{Width - Right}\" y2=\"{Y(v):F1}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v:F2}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 18}\" text-anchor=\"middle\">served inputs per second at saturation (log scale)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">test accuracy (Fashion-MNIST)</text>\n");

        // One colour per model; its points joined from k = M to k = 1; a legend on the right.
        var models = points.Select(p => p.Model).Distinct().ToList();
        for (var i = 0; i < models.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var own = points.Where(p => p.Model == models[i]).OrderByDescending(p => p.K).ToList();
            if (own.Count > 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-dasharray=\"4 3\" points=\"{string.Join(' ', own.Select(p => $"{X(p.Saturation.PerSecond):F1},{Y(p.Quality!.Accuracy):F1}"))}\"/>\n");
            }

            foreach (var p in own)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.Saturation.PerSecond):F1}\" cy=\"{Y(p.Quality!.Accuracy):F1}\" r=\"5\" fill=\"{color}\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(p.Saturation.PerSecond) + 8:F1}\" y=\"{Y(p.Quality!.Accuracy) - 6:F1}\" fill=\"{color}\">k={p.K}</text>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{Width - Right + 20}\" cy=\"{Top + 10 + (i * 20)}\" r=\"5\" fill=\"{color}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 30}\" y=\"{Top + 14 + (i * 20)}\">{WebUtility.HtmlEncode(models[i])}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
