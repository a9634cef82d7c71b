using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace MlnetGan.ML.Reports;

/// <summary>One line of a <see cref="LineChart"/>: points with optional error bars (± <see cref="Errors"/>).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double>? Errors = null);

/// <summary>A horizontal reference line of a <see cref="LineChart"/>, such as chance level.</summary>
public sealed record ReferenceLine(string Label, double Y);

/// <summary>Line charts with markers, error bars, a legend and optional reference lines, built with OxyPlot.</summary>
public static class LineChart
{
    /// <summary>
    /// Builds the chart. <paramref name="logX"/> spaces the x axis logarithmically; <paramref name="yMin"/> and
    /// <paramref name="yMax"/> fix the y range (e.g. [0, 1] for probabilities); otherwise it fits the data.
    /// </summary>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">Title of the x axis.</param>
    /// <param name="yLabel">Title of the y axis.</param>
    /// <param name="series">The lines.</param>
    /// <param name="logX">Logarithmic x axis.</param>
    /// <param name="yMin">Fixed lower end of the y axis, or null.</param>
    /// <param name="yMax">Fixed upper end of the y axis, or null.</param>
    /// <param name="references">Horizontal reference lines.</param>
    public static PlotModel Build(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logX = false,
        double? yMin = null, double? yMax = null, IReadOnlyList<ReferenceLine>? references = null)
    {
        if (series.Sum(s => s.X.Count) == 0) throw new ArgumentException("a chart needs at least one point", nameof(series));
        var model = ChartStyle.NewModel(title);
        model.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendFontSize = 13 });
        Axis x = logX ? new LogarithmicAxis() : new LinearAxis();
        x.Position = AxisPosition.Bottom;
        x.Title = xLabel;
        ChartStyle.Grid(x);
        if (logX)
        {
            var distinct = series.SelectMany(s => s.X).Distinct().Order().ToList();
            x.Minimum = distinct[0] / 1.5;
            x.Maximum = distinct[^1] * 1.5;
        }
        var y = new LinearAxis { Position = AxisPosition.Left, Title = yLabel };
        ChartStyle.Grid(y);
        if (yMin is { } low) y.Minimum = low;
        if (yMax is { } high) y.Maximum = high;
        model.Axes.Add(x);
        model.Axes.Add(y);

        for (int s = 0; s < series.Count; s++)
        {
            var color = ChartStyle.Palette[s % ChartStyle.Palette.Length];
            bool few = series[s].X.Count <= 60;
            var order = Enumerable.Range(0, series[s].X.Count).OrderBy(i => series[s].X[i]).ToList();
            var line = new LineSeries
            {
                Title = series[s].Name, Color = color, StrokeThickness = few ? 2.5 : 1.5,
                MarkerType = few ? MarkerType.Circle : MarkerType.None, MarkerSize = 4.5, MarkerFill = color,
            };
            line.Points.AddRange(order.Select(i => new DataPoint(series[s].X[i], series[s].Y[i])));
            model.Series.Add(line);
            if (series[s].Errors is { } errors && errors.Any(e => e > 0))
            {
                var bars = new ScatterErrorSeries { MarkerType = MarkerType.None, ErrorBarColor = color, ErrorBarStrokeThickness = 1.5, ErrorBarStopWidth = 5 };
                bars.Points.AddRange(order.Select(i => new ScatterErrorPoint(series[s].X[i], series[s].Y[i], 0, errors[i])));
                model.Series.Add(bars);
            }
        }
        foreach (var reference in references ?? [])
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Horizontal, Y = reference.Y, Text = reference.Label, Color = OxyColors.Gray,
                LineStyle = LineStyle.Dash, StrokeThickness = 1.5, TextColor = OxyColors.DimGray,
                TextLinePosition = 0.01, TextHorizontalAlignment = HorizontalAlignment.Left, TextVerticalAlignment = VerticalAlignment.Bottom,
            });
        return model;
    }

    /// <summary>Renders the chart as PNG bytes (see <see cref="Build"/> for the parameters).</summary>
    public static byte[] RenderPng(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logX = false,
        double? yMin = null, double? yMax = null, IReadOnlyList<ReferenceLine>? references = null, int width = 900, int height = 540) =>
        ChartStyle.Png(Build(title, xLabel, yLabel, series, logX, yMin, yMax, references), width, height);
}
