using System.Globalization;
using System.Text;
using System.Text.Json;
using MlnetGan.Data;

namespace MlnetGan.ML.Reports;

/// <summary>Writes an evaluation as <c>results.json</c>, <c>report.md</c> and <c>accuracy.png</c> (each atomically).</summary>
public static class EvaluationReport
{
    /// <summary>File names inside the output folder.</summary>
    public const string JsonFile = "results.json", MarkdownFile = "report.md", PlotFile = "accuracy.png";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes the three files into <paramref name="directory"/>; <paramref name="context"/> adds free-form facts (model, dataset, timings) to the JSON and Markdown.</summary>
    public static void Write(EvaluationResult result, string directory, IReadOnlyDictionary<string, string> context)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(new { context, result }, Json));
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(result, context));
        AtomicFile.WriteAllBytes(Path.Combine(directory, PlotFile), Plot(result));
    }

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
        foreach (var (set, matrix) in result.ConfusionMatrices)
        {
            sb.AppendLine();
            sb.AppendLine($"Confusion matrix, {set}, largest budget, first subset (rows: truth, columns: prediction):");
            sb.AppendLine();
            sb.AppendLine("| | " + string.Join(" | ", result.ClassNames) + " |");
            sb.AppendLine("| --- | " + string.Join(" | ", result.ClassNames.Select(_ => "---")) + " |");
            for (int i = 0; i < matrix.Length; i++) sb.AppendLine($"| {result.ClassNames[i]} | " + string.Join(" | ", matrix[i]) + " |");
        }
        return sb.ToString();
    }

    private static byte[] Plot(EvaluationResult result)
    {
        var series = result.Results.GroupBy(r => r.FeatureSet).Select(g => new ChartSeries(
            $"{g.Key} ({result.FeatureDimensions[g.Key]:N0}-d)",
            g.Select(r => (double)r.LabelsPerClass).ToList(),
            g.Select(r => 100 * r.MeanAccuracy).ToList(),
            g.Select(r => 100 * r.StdAccuracy).ToList())).ToList();
        return LineChart.RenderPng($"Test accuracy of a {result.Classifier} on the features", "labelled images per class", "test accuracy (%)", series, logX: true);
    }
}
