using System.Diagnostics;
using System.Globalization;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;

namespace MlnetGan.Workflows;

/// <summary>A run's evaluation and the path of its HTML report.</summary>
/// <param name="Evaluation">The accuracies per feature set and label budget.</param>
/// <param name="ReportHtml">The run's <c>report.html</c>.</param>
public sealed record RunReportResult(EvaluationResult Evaluation, string ReportHtml);

/// <summary>The last stage of the demo and the paper experiment: evaluate the run's exported discriminator and write its report.</summary>
internal static class RunEvaluation
{
    /// <summary>
    /// Evaluates <see cref="RunFolder.DiscriminatorPath"/> against both baselines into <see cref="RunFolder.ReportPath"/> and
    /// writes the HTML report with <paramref name="facts"/>, the evaluation's settings, the versions and the time since
    /// <paramref name="clock"/> started. With <paramref name="generated"/> (samples of the run's generator), the report also
    /// says how a classifier of the real images judges them.
    /// </summary>
    public static RunReportResult EvaluateAndReport(RunFolder run, DatasetSplits splits, EvaluationOptions evaluation, OnnxDevice device,
        IReadOnlyList<(string Key, string Value)> facts, Stopwatch clock, IWorkflowProgress progress, ImageDataset? generated = null)
    {
        var result = DiscriminatorEvaluation.Evaluate(run.DiscriminatorPath, splits, EvaluationBaselines.Both, evaluation, run.ReportPath, device, progress, generated);
        var html = RunReport.Write(run, result, run.ReportPath,
        [
            .. facts,
            ("evaluation", $"{result.Classifier}; {evaluation.Repeats} subsets per budget; {result.Seconds:F0} s"),
            ("versions", $"MlnetGan {VersionInfo.Version}, .NET {Environment.Version}"),
            ("total time of this invocation", $"{clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s"),
        ], splits.Train);
        return new RunReportResult(result, html);
    }
}
