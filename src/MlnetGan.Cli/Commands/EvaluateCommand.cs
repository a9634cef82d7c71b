using System.CommandLine;
using System.Globalization;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan evaluate</c>: the DCGAN paper's linear-classifier evaluation of a discriminator's features.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported discriminator (.onnx).", Required = true };
        var data = SharedOptions.Data("Labelled dataset with a test split: 'builtin', a CIFAR-10 binary folder, an image folder with train/ and test/, or an IDX folder.");
        var format = SharedOptions.Format();
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets, comma-separated; 'all' uses every training image.", DefaultValueFactory = _ => FormatBudgets(new EvaluationOptions().LabelsPerClass) };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Random labelled subsets per budget.", DefaultValueFactory = _ => new EvaluationOptions().Repeats });
        var classifier = SharedOptions.Classifier();
        var averageFlip = SharedOptions.AverageFlip();
        var baselines = new Option<string>("--baselines") { Description = "Comma-separated: raw (pixels), untrained (a random D of the same shape), or none.", DefaultValueFactory = _ => "raw,untrained" };
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var output = new Option<string>("--out") { Description = "Report folder (results.json, report.md, accuracy.png).", Required = true };
        var command = new Command("evaluate", "Accuracy of a linear classifier on the discriminator's features per label budget, against baselines (the paper's protocol).")
        {
            model, data, format, budgets, repeats, classifier, averageFlip, baselines, seed, device, fallback, output,
        };
        command.SetAction(parse =>
        {
            var options = new EvaluationOptions
            {
                LabelsPerClass = ParseBudgets(parse.GetValue(budgets)!),
                Repeats = parse.GetValue(repeats),
                Classifier = ParseClassifier(parse.GetValue(classifier)!),
                Seed = parse.GetValue(seed),
                AverageHorizontalFlip = parse.GetValue(averageFlip),
            };
            var result = DiscriminatorEvaluation.Evaluate(parse.GetRequiredValue(model), parse.GetValue(data)!, parse.GetValue(format), ParseBaselines(parse.GetValue(baselines)!), options,
                Path.GetFullPath(parse.GetRequiredValue(output)), OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)), ConsoleProgress.Workflow);
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine(EvaluationReport.Table(result));
            AnsiConsole.MarkupLineInterpolated($"Report: {Path.GetFullPath(parse.GetRequiredValue(output))}");
            return 0;
        });
        return command;
    }

    /// <summary>Label budgets as the option writes them: <c>100,400,all</c>.</summary>
    public static string FormatBudgets(IReadOnlyList<int?> budgets) => string.Join(",", budgets.Select(b => b?.ToString(CultureInfo.InvariantCulture) ?? "all"));

    public static IReadOnlyList<int?> ParseBudgets(string text)
    {
        var budgets = new List<int?>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("all", StringComparison.OrdinalIgnoreCase)) budgets.Add(null);
            else if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 2) budgets.Add(n);
            else throw new ArgumentException($"--labels-per-class: '{part}' is neither a whole number of at least 2 nor 'all'");
        }
        if (budgets.Count == 0) throw new ArgumentException("--labels-per-class names no budget");
        return budgets;
    }

    public static EvaluationBaselines ParseBaselines(string text)
    {
        var baselines = EvaluationBaselines.None;
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()))
        {
            baselines |= name switch
            {
                "raw" => EvaluationBaselines.RawPixels,
                "untrained" => EvaluationBaselines.UntrainedDiscriminator,
                "none" => EvaluationBaselines.None,
                _ => throw new ArgumentException($"--baselines: '{name}' is not raw, untrained or none"),
            };
        }
        return baselines;
    }

    public static ProbeClassifier ParseClassifier(string text) => text switch
    {
        "linear-svm" => ProbeClassifier.LinearSvm,
        "sdca-maxent" => ProbeClassifier.SdcaMaxEnt,
        "lbfgs-maxent" => ProbeClassifier.LbfgsMaxEnt,
        _ => throw new ArgumentException($"--classifier: '{text}' is not linear-svm, sdca-maxent or lbfgs-maxent"),
    };
}
