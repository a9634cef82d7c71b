using System.Xml.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.ML.Reports;
using SkiaSharp;

namespace MlnetGan.ML.Tests;

public class ChartTests
{
    private static readonly string[] Classes = ["circle", "ring", "square"];

    [Fact]
    public void OxyPlotRendersInTheSameProcessAsMlNetImageAnalytics()
    {
        // ML.NET's image transforms first: they pin SkiaSharp 2.88, which OxyPlot's renderer must share.
        using var dir = new TempDirectory();
        var images = BuiltinShapes.GenerateSplit(seed: 1, split: 0, count: 3, size: 32, channels: 3);
        ImageFolderReader.WriteClassFolders(images, dir.Combine("images"));
        var file = Directory.GetFiles(dir.Combine("images"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = file }]);
        var pixels = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", 32, 32)).Append(ml.Transforms.ExtractPixels("Pixels", "Image")).Fit(data).Transform(data)
            .GetColumn<float[]>("Pixels").Single();
        Assert.Equal(3 * 32 * 32, pixels.Length);

        var png = LineChart.RenderPng("Discriminator outputs", "step", "mean P(real)",
            [new ChartSeries("D(x)", [10, 20, 30], [0.9, 0.7, 0.6]), new ChartSeries("D(G(z))", [10, 20, 30], [0.1, 0.3, 0.4])],
            yMin: 0, yMax: 1, references: [new ReferenceLine("chance", 0.5)], width: 600, height: 400);

        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((600, 400), (bitmap.Width, bitmap.Height));
        Assert.True(CountNear(bitmap, new SKColor(31, 119, 180)) > 100, "no pixels of the first series' colour");
        Assert.True(CountNear(bitmap, new SKColor(255, 127, 14)) > 100, "no pixels of the second series' colour");
    }

    [Fact]
    public void SvgExportIsWellFormedAndHoldsTheTitleAndLegend()
    {
        var model = LineChart.Build("Accuracy per budget", "labels", "accuracy (%)",
            [new ChartSeries("trained D", [20, 100, 500], [30, 40, 45], [1.5, 1.0, 0])], logX: true, yMin: 0, references: [new ReferenceLine("chance (10 %)", 10)]);

        var svg = XDocument.Parse(ChartStyle.Svg(model));

        Assert.Equal("svg", svg.Root!.Name.LocalName);
        var text = string.Concat(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        Assert.Contains("Accuracy per budget", text);
        Assert.Contains("trained D", text);
        Assert.Contains("chance (10 %)", text);
    }

    [Fact]
    public void ConfusionHeatmapShadesByTheShareOfEachTrueClass()
    {
        int[][] matrix = [[50, 0, 0], [0, 25, 25], [0, 0, 50]];
        var png = ChartStyle.Png(ClassCharts.ConfusionHeatmap("confusion", matrix, Classes), 600, 500);

        using var bitmap = SKBitmap.Decode(png);
        // Full cells (share 1) take the palette's dark end, half cells a mid blue between it and white.
        var dark = new SKColor(8, 81, 156);
        var half = new SKColor((byte)((255 + 8) / 2), (byte)((255 + 81) / 2), (byte)((255 + 156) / 2));
        Assert.True(CountNear(bitmap, dark) > 2000, "no fully shaded cells");
        Assert.True(CountNear(bitmap, half, tolerance: 6) > 2000, "no half-shaded cells");
    }

    [Fact]
    public void HistogramBarsAreSharesOfEachHistogram()
    {
        var model = ClassCharts.Histograms("predicted classes", Classes, [("real", [10, 10, 20]), ("generated", [0, 5, 5])]);
        var bars = model.Series.OfType<OxyPlot.Series.BarSeries>().ToList();
        Assert.Equal([25.0, 25.0, 50.0], bars[0].Items.Select(i => i.Value));
        Assert.Equal([0.0, 50.0, 50.0], bars[1].Items.Select(i => i.Value));
        Assert.Equal([0x89, (byte)'P'], ChartStyle.Png(model)[..2]);
    }

    private static int CountNear(SKBitmap bitmap, SKColor color, int tolerance = 3)
    {
        int count = 0;
        foreach (var p in bitmap.Pixels)
            if (Math.Abs(p.Red - color.Red) <= tolerance && Math.Abs(p.Green - color.Green) <= tolerance && Math.Abs(p.Blue - color.Blue) <= tolerance) count++;
        return count;
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
