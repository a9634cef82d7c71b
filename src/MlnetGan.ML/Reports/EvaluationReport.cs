using System.Globalization;
using System.Text;
using System.Text.Json;
using MlnetGan.Data;

namespace MlnetGan.ML.Reports;

/// <summary>Writes an evaluation as <c>results.json</c>, <c>report.md</c> and <c>accuracy.png</c> (each atomically).</summary>
public static class EvaluationReport
{
    /// <summary>File names inside the output folder.</summary>
    public const string JsonFile = "results.json", MarkdownFile = "report.md", PlotFile = "accuracy.png", PlotSvgFile = "accuracy.svg";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// Writes the files into <paramref name="directory"/> (the accuracy plot as PNG and SVG); <paramref name="context"/>
    /// adds free-form facts (model, dataset, timings) to the JSON and Markdown.
    /// </summary>
    public static void Write(EvaluationResult result, string directory, IReadOnlyDictionary<string, string> context)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(new { context, result }, Json));
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(result, context));
        var plot = AccuracyPlot(result);
        AtomicFile.WriteAllBytes(Path.Combine(directory, PlotFile), ChartStyle.Png(plot));
        AtomicFile.WriteAllText(Path.Combine(directory, PlotSvgFile), ChartStyle.Svg(plot));
        foreach (var (set, matrix) in result.ConfusionMatrices)
            AtomicFile.WriteAllBytes(Path.Combine(directory, ConfusionFile(set)),
                ChartStyle.Png(ClassCharts.ConfusionHeatmap($"Confusion matrix: {set}", matrix, result.ClassNames), 760, 640));
    }

    /// <summary>File name of the confusion heatmap of feature set <paramref name="set"/>: <c>confusion-trained-d.png</c>, ...</summary>
    public static string ConfusionFile(string set) =>
        "confusion-" + string.Concat(set.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')) + ".png";

    /// <summary>Rows of the generated-samples table: real test images and generated images as the judge sees them.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> SampleQualityRows(SampleQuality q) =>
    [
        ["real test images", Percent(q.JudgeTestAccuracy), Percent(q.RealConfidence), Bits(q.RealEntropyBits, q.MaxEntropyBits)],
        [$"generated images ({q.GeneratedCount:N0})", "–", Percent(q.GeneratedConfidence), Bits(q.GeneratedEntropyBits, q.MaxEntropyBits)],
    ];

    /// <summary>Header of <see cref="SampleQualityRows"/>.</summary>
    public static IReadOnlyList<string> SampleQualityHeader { get; } = ["images", "judge accuracy", "mean confidence", "spread of predicted classes (entropy)"];

    private static string Percent(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + " %";

    private static string Bits(double v, double max) => string.Format(CultureInfo.InvariantCulture, "{0:F2} of {1:F2} bits", v, max);

    /// <summary>The accuracy table: a row per feature set, a column per label budget, mean ± standard deviation in %.</summary>
    public static string Table(EvaluationResult result)
    {
        var budgets = result.Results.Select(r => r.Budget).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| features | dims | " + string.Join(" | ", budgets.Select(b => $"{b} labels/class")) + " |");
        sb.AppendLine("| --- | --- | " + string.Join(" | ", budgets.Select(_ => "---")) + " |");
        foreach (var set in result.Results.Select(r => r.FeatureSet).Distinct())
        {
            var cells = budgets.Select(b => result.Results.Single(r => r.FeatureSet == set && r.Budget == b)).Select(Cell);
            sb.AppendLine($"| {set} | {result.FeatureDimensions[set]:N0} | " + string.Join(" | ", cells) + " |");
        }
        return sb.ToString();
    }

    /// <summary>A table cell: "62.4 ± 0.8" (percent), or the single accuracy for one run.</summary>
    public static string Cell(BudgetResult r) => r.Accuracies.Count > 1
        ? string.Format(CultureInfo.InvariantCulture, "{0:F1} ± {1:F1}", 100 * r.MeanAccuracy, 100 * r.StdAccuracy)
        : string.Format(CultureInfo.InvariantCulture, "{0:F1}", 100 * r.MeanAccuracy);

    private static string Markdown(EvaluationResult result, IReadOnlyDictionary<string, string> context)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Evaluation");
        sb.AppendLine();
        foreach (var (key, value) in context) sb.AppendLine($"- {key}: {value}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- classifier: {result.Classifier}; {result.TrainCount:N0} training and {result.TestCount:N0} test images; {result.Seconds:F0} s");
        sb.AppendLine();
        sb.AppendLine("Test accuracy (%), mean ± standard deviation over the labelled subsets:");
        sb.AppendLine();
        sb.Append(Table(result));
        sb.AppendLine();
        sb.AppendLine($"![accuracy against labels per class]({PlotFile})");
        if (result.GeneratedSamples is { } quality)
        {
            sb.AppendLine();
            sb.AppendLine("## Generated samples");
            sb.AppendLine();
            sb.AppendLine($"Judged by a {quality.Judge}; confidence is the judge's highest class probability, the spread is the entropy of the predicted-class histogram.");
            sb.AppendLine();
            sb.AppendLine("| " + string.Join(" | ", SampleQualityHeader) + " |");
            sb.AppendLine("| " + string.Join(" | ", SampleQualityHeader.Select(_ => "---")) + " |");
            foreach (var row in SampleQualityRows(quality)) sb.AppendLine("| " + string.Join(" | ", row) + " |");
            sb.AppendLine();
            sb.AppendLine("Generated images per predicted class: " + string.Join(", ", quality.ClassNames.Select((name, i) => $"{name} {quality.GeneratedHistogram[i]}")));
        }
        foreach (var (set, matrix) in result.ConfusionMatrices)
        {
            sb.AppendLine();
            sb.AppendLine($"Confusion matrix, {set}, largest budget, first subset (rows: truth, columns: prediction):");
            sb.AppendLine();
            sb.AppendLine("| | " + string.Join(" | ", result.ClassNames) + " |");
            sb.AppendLine("| --- | " + string.Join(" | ", result.ClassNames.Select(_ => "---")) + " |");
            for (int i = 0; i < matrix.Length; i++) sb.AppendLine($"| {result.ClassNames[i]} | " + string.Join(" | ", matrix[i]) + " |");
            sb.AppendLine();
            sb.AppendLine($"![confusion matrix, {set}]({ConfusionFile(set)})");
        }
        return sb.ToString();
    }

    /// <summary>The accuracy plot: a line per feature set against the label budget (error bars: standard deviation over subsets), chance level dashed.</summary>
    public static OxyPlot.PlotModel AccuracyPlot(EvaluationResult result)
    {
        var series = result.Results.GroupBy(r => r.FeatureSet).Select(g => new ChartSeries(
            $"{g.Key} ({result.FeatureDimensions[g.Key]:N0}-d)",
            g.Select(r => (double)r.LabelsPerClass).ToList(),
            g.Select(r => 100 * r.MeanAccuracy).ToList(),
            g.Select(r => 100 * r.StdAccuracy).ToList())).ToList();
        double chance = 100.0 / result.ClassNames.Count;
        double top = result.Results.Max(r => 100 * (r.MeanAccuracy + r.StdAccuracy));
        return LineChart.Build($"Test accuracy of a {result.Classifier} on the features", "labelled images per class", "test accuracy (%)", series, logX: true,
            yMin: 0, yMax: Math.Min(100, Math.Ceiling(top / 10 + 0.5) * 10), references: [new ReferenceLine($"chance ({chance:0.#} %)", chance)]);
    }
}
