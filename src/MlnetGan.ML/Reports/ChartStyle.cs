using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.SkiaSharp;

namespace MlnetGan.ML.Reports;

/// <summary>The look shared by the report charts, and their export to PNG and SVG (OxyPlot's SkiaSharp renderer).</summary>
public static class ChartStyle
{
    /// <summary>Line colours in series order (matplotlib's tab10).</summary>
    public static OxyColor[] Palette { get; } =
    [
        OxyColor.FromRgb(31, 119, 180), OxyColor.FromRgb(255, 127, 14), OxyColor.FromRgb(44, 160, 44),
        OxyColor.FromRgb(214, 39, 40), OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(140, 86, 75),
    ];

    /// <summary>An empty plot with the reports' title, font and white background.</summary>
    public static PlotModel NewModel(string title) => new()
    {
        // A normal-weight title: SkiaSharp's SVG canvas drops text drawn with synthetic bold, which DejaVu Sans needs here.
        Title = title, TitleFontSize = 18, TitleFontWeight = FontWeights.Normal, DefaultFont = "DejaVu Sans", DefaultFontSize = 13, Background = OxyColors.White,
        PlotAreaBorderColor = OxyColors.Gray,
    };

    /// <summary>Light major grid lines on <paramref name="axis"/>.</summary>
    public static void Grid(Axis axis)
    {
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = OxyColor.FromRgb(225, 225, 225);
    }

    /// <summary>PNG bytes of <paramref name="model"/> at <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static byte[] Png(PlotModel model, int width = 900, int height = 540)
    {
        using var stream = new MemoryStream();
        // Text shaping would need HarfBuzz's native library; the labels here are plain Latin text.
        new PngExporter { Width = width, Height = height, UseTextShaping = false }.Export(model, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// SVG text of <paramref name="model"/> (for papers: scales without blur), by OxyPlot's own SVG writer: the SkiaSharp
    /// one leaves out the title and annotation labels.
    /// </summary>
    public static string Svg(PlotModel model, int width = 900, int height = 540) =>
        OxyPlot.SvgExporter.ExportToString(model, width, height, isDocument: true);
}
