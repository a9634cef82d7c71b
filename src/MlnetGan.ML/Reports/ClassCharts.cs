using System.Globalization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace MlnetGan.ML.Reports;

/// <summary>Per-class charts: confusion matrices as shaded heatmaps and predicted-class histograms as bars.</summary>
public static class ClassCharts
{
    /// <summary>
    /// A confusion matrix (rows: truth, columns: prediction) as a heatmap shaded by the share of each true class, with
    /// the counts written in the cells.
    /// </summary>
    /// <param name="title">Chart title.</param>
    /// <param name="matrix">Counts, <c>matrix[truth][prediction]</c>.</param>
    /// <param name="classNames">Class names in label order.</param>
    public static PlotModel ConfusionHeatmap(string title, int[][] matrix, IReadOnlyList<string> classNames)
    {
        int k = classNames.Count;
        if (matrix.Length != k || matrix.Any(row => row.Length != k)) throw new ArgumentException($"the matrix must be {k} x {k}", nameof(matrix));
        var model = ChartStyle.NewModel(title);
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Key = "prediction", Title = "prediction", ItemsSource = classNames, Angle = -35 });
        // Truth runs top to bottom, as in the table.
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Key = "truth", Title = "truth", ItemsSource = classNames, StartPosition = 1, EndPosition = 0 });
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right, Minimum = 0, Maximum = 1, Title = "share of the true class",
            Palette = OxyPalette.Interpolate(100, OxyColors.White, OxyColor.FromRgb(8, 81, 156)),
        });
        var shares = new double[k, k];
        for (int truth = 0; truth < k; truth++)
        {
            double total = Math.Max(1, matrix[truth].Sum());
            for (int predicted = 0; predicted < k; predicted++) shares[predicted, truth] = matrix[truth][predicted] / total;
        }
        model.Series.Add(new CountHeatMapSeries(matrix)
        {
            X0 = 0, X1 = k - 1, Y0 = 0, Y1 = k - 1, Data = shares, XAxisKey = "prediction", YAxisKey = "truth",
            RenderMethod = HeatMapRenderMethod.Rectangles, LabelFontSize = 0.16,
        });
        return model;
    }

    /// <summary>How often each class is predicted, one bar group per class and one bar per histogram.</summary>
    /// <param name="title">Chart title.</param>
    /// <param name="classNames">Class names in label order.</param>
    /// <param name="histograms">Named counts per class; each is drawn as shares of its total.</param>
    public static PlotModel Histograms(string title, IReadOnlyList<string> classNames, IReadOnlyList<(string Name, IReadOnlyList<int> Counts)> histograms)
    {
        var model = ChartStyle.NewModel(title);
        model.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendFontSize = 13 });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, ItemsSource = classNames, StartPosition = 1, EndPosition = 0 });
        var share = new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, Title = "share of the images (%)" };
        ChartStyle.Grid(share);
        model.Axes.Add(share);
        for (int h = 0; h < histograms.Count; h++)
        {
            double total = Math.Max(1, histograms[h].Counts.Sum());
            var bars = new BarSeries { Title = histograms[h].Name, FillColor = ChartStyle.Palette[h % ChartStyle.Palette.Length] };
            bars.Items.AddRange(histograms[h].Counts.Select(c => new BarItem(100 * c / total)));
            model.Series.Add(bars);
        }
        return model;
    }

    /// <summary>A heatmap whose cells show counts while their shade shows shares.</summary>
    private sealed class CountHeatMapSeries(int[][] counts) : HeatMapSeries
    {
        protected override string GetLabel(double v, int i, int j) => counts[j][i].ToString(CultureInfo.InvariantCulture);
    }
}
