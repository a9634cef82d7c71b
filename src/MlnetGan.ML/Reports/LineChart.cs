using System.Globalization;
using SkiaSharp;

namespace MlnetGan.ML.Reports;

/// <summary>One line of a <see cref="LineChart"/>: points with optional error bars (± <see cref="Errors"/>).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double>? Errors = null);

/// <summary>
/// A small line chart rendered with SkiaSharp (axes, ticks, grid, markers, error bars, legend) for reports.
/// ScottPlot would be the first choice, but the ScottPlot served here needs SkiaSharp 3, which cannot load beside the
/// SkiaSharp 2.88 that ML.NET's image transforms need.
/// </summary>
public static class LineChart
{
    private static readonly SKColor[] Palette = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75)];

    /// <summary>Renders the chart as PNG bytes. <paramref name="logX"/> spaces the x axis logarithmically.</summary>
    public static byte[] RenderPng(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logX = false, int width = 900, int height = 540)
    {
        var points = series.SelectMany(s => s.X.Select((x, i) => (x, y: s.Y[i], e: s.Errors?[i] ?? 0))).ToList();
        if (points.Count == 0) throw new ArgumentException("a chart needs at least one point", nameof(series));
        double Fx(double x) => logX ? Math.Log10(x) : x;
        double xMin = points.Min(p => Fx(p.x)), xMax = points.Max(p => Fx(p.x));
        double yMin = points.Min(p => p.y - p.e), yMax = points.Max(p => p.y + p.e);
        if (xMax - xMin < 1e-9) { xMin -= 0.5; xMax += 0.5; }
        double yPad = Math.Max((yMax - yMin) * 0.08, 1e-3);
        double yStep = NiceStep((yMax - yMin + 2 * yPad) / 6);
        (yMin, yMax) = (Math.Floor((yMin - yPad) / yStep) * yStep, Math.Ceiling((yMax + yPad) / yStep) * yStep);
        double xPad = (xMax - xMin) * 0.06;
        (xMin, xMax) = (xMin - xPad, xMax + xPad);

        var plot = new SKRect(80, 50, width - 220, height - 70);
        float Px(double x) => plot.Left + (float)((Fx(x) - xMin) / (xMax - xMin)) * plot.Width;
        float Py(double y) => plot.Bottom - (float)((y - yMin) / (yMax - yMin)) * plot.Height;

        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 14, Typeface = typeface };
        using var small = new SKPaint { Color = new SKColor(60, 60, 60), IsAntialias = true, TextSize = 12, Typeface = typeface };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1 };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true };

        foreach (var y in Ticks(yMin, yMax))
        {
            canvas.DrawLine(plot.Left, Py(y), plot.Right, Py(y), grid);
            var label = y.ToString("0.##", CultureInfo.InvariantCulture);
            canvas.DrawText(label, plot.Left - 8 - small.MeasureText(label), Py(y) + 4, small);
        }
        var distinctX = points.Select(p => p.x).Distinct().Order().ToList();
        var xTicks = distinctX.Count <= 12 ? distinctX : Ticks(xMin, xMax).Select(t => logX ? Math.Pow(10, t) : t).ToList();
        foreach (var x in xTicks)
        {
            canvas.DrawLine(Px(x), plot.Top, Px(x), plot.Bottom, grid);
            var label = x.ToString("0.##", CultureInfo.InvariantCulture);
            canvas.DrawText(label, Px(x) - small.MeasureText(label) / 2, plot.Bottom + 18, small);
        }
        canvas.DrawLine(plot.Left, plot.Bottom, plot.Right, plot.Bottom, axis);
        canvas.DrawLine(plot.Left, plot.Top, plot.Left, plot.Bottom, axis);

        for (int s = 0; s < series.Count; s++)
        {
            var color = Palette[s % Palette.Length];
            using var line = new SKPaint { Color = color, StrokeWidth = series[s].X.Count <= 60 ? 2.5f : 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var fill = new SKPaint { Color = color, IsAntialias = true };
            var order = Enumerable.Range(0, series[s].X.Count).OrderBy(i => series[s].X[i]).ToList();
            using var path = new SKPath();
            foreach (var i in order)
            {
                var point = new SKPoint(Px(series[s].X[i]), Py(series[s].Y[i]));
                if (path.IsEmpty) path.MoveTo(point); else path.LineTo(point);
                double e = series[s].Errors?[i] ?? 0;
                if (e > 0)
                {
                    canvas.DrawLine(point.X, Py(series[s].Y[i] - e), point.X, Py(series[s].Y[i] + e), line);
                    canvas.DrawLine(point.X - 5, Py(series[s].Y[i] - e), point.X + 5, Py(series[s].Y[i] - e), line);
                    canvas.DrawLine(point.X - 5, Py(series[s].Y[i] + e), point.X + 5, Py(series[s].Y[i] + e), line);
                }
                if (order.Count <= 60) canvas.DrawCircle(point, 4.5f, fill);
            }
            canvas.DrawPath(path, line);
            float ly = plot.Top + 10 + s * 24;
            canvas.DrawLine(plot.Right + 20, ly, plot.Right + 46, ly, line);
            canvas.DrawCircle(plot.Right + 33, ly, 4.5f, fill);
            canvas.DrawText(series[s].Name, plot.Right + 54, ly + 5, text);
        }

        using var titlePaint = new SKPaint { Color = SKColors.Black, IsAntialias = true, TextSize = 18, Typeface = typeface, FakeBoldText = true };
        canvas.DrawText(title, plot.Left, 30, titlePaint);
        canvas.DrawText(xLabel, plot.MidX - text.MeasureText(xLabel) / 2, height - 25, text);
        canvas.Save();
        canvas.RotateDegrees(-90);
        canvas.DrawText(yLabel, -plot.MidY - text.MeasureText(yLabel) / 2, 25, text);
        canvas.Restore();

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>About six round tick values covering [min, max].</summary>
    private static IEnumerable<double> Ticks(double min, double max)
    {
        double step = NiceStep((max - min) / 6);
        for (double t = Math.Ceiling(min / step) * step; t <= max + 1e-9; t += step)
        {
            double tick = Math.Round(t, 10);
            yield return tick == 0 ? 0 : tick; // no "-0" labels
        }
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least <paramref name="raw"/>.</summary>
    private static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
    }
}
