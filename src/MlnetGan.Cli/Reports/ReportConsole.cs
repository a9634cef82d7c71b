using System.Diagnostics;
using System.Globalization;
using MlnetGan.ML.Reports;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli.Reports;

/// <summary>How the demo and the paper experiment end on the console: the accuracy table, the judged samples and the report's path.</summary>
internal static class ReportConsole
{
    /// <summary>Prints <paramref name="report"/> and the time since <paramref name="clock"/> started.</summary>
    public static void Print(RunReportResult report, Stopwatch clock)
    {
        AnsiConsole.WriteLine();
        AnsiConsole.WriteLine(EvaluationReport.Table(report.Evaluation));
        if (report.Evaluation.GeneratedSamples is { } quality)
            AnsiConsole.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "Generated samples, judged by a classifier of real images: confidence {0:P1} (real test images {1:P1}), spread of predicted classes {2:F2} bits (real {3:F2}, uniform {4:F2})",
                quality.GeneratedConfidence, quality.RealConfidence, quality.GeneratedEntropyBits, quality.RealEntropyBits, quality.MaxEntropyBits));
        AnsiConsole.MarkupLineInterpolated($"Report: {report.ReportHtml}  ({clock.Elapsed.TotalSeconds:F0} s in all)");
    }
}
