using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;
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
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets, comma-separated; 'all' uses every training image.", DefaultValueFactory = _ => "100,400,1000,all" };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Random labelled subsets per budget.", DefaultValueFactory = _ => 3 });
        var classifier = SharedOptions.Classifier();
        var baselines = new Option<string>("--baselines") { Description = "Comma-separated: raw (pixels), untrained (a random D of the same shape), or none.", DefaultValueFactory = _ => "raw,untrained" };
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var output = new Option<string>("--out") { Description = "Report folder (results.json, report.md, accuracy.png).", Required = true };
        var command = new Command("evaluate", "Accuracy of a linear classifier on the discriminator's features per label budget, against baselines (the paper's protocol).")
        {
            model, data, format, budgets, repeats, classifier, baselines, seed, device, fallback, output,
        };
        command.SetAction(parse =>
        {
            var options = new EvaluationOptions
            {
                LabelsPerClass = ParseBudgets(parse.GetValue(budgets)!),
                Repeats = parse.GetValue(repeats),
                Classifier = ParseClassifier(parse.GetValue(classifier)!),
                Seed = parse.GetValue(seed),
            };
            var result = Evaluate(parse.GetRequiredValue(model), parse.GetValue(data)!, parse.GetValue(format), ParseBaselines(parse.GetValue(baselines)!), options,
                Path.GetFullPath(parse.GetRequiredValue(output)), OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)));
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine(EvaluationReport.Table(result));
            AnsiConsole.MarkupLineInterpolated($"Report: {Path.GetFullPath(parse.GetRequiredValue(output))}");
            return 0;
        });
        return command;
    }

    /// <summary>Featurizes the dataset with the model and the baselines, runs the protocol and writes the report.</summary>
    public static EvaluationResult Evaluate(string modelPath, string dataPath, DatasetFormat format, IReadOnlyList<string> baselines, EvaluationOptions options, string outputDirectory, OnnxDevice device)
    {
        var info = DcganModelInfo.Read(modelPath);
        var splits = SharedOptions.LoadData(dataPath, format, skipCorrupt: false, info.ImageSize, info.Channels, options.Seed);
        return Evaluate(modelPath, splits, baselines, options, outputDirectory, device);
    }

    /// <summary>
    /// Evaluates on splits already loaded (the demo sizes the built-in dataset itself). With <paramref name="generated"/>,
    /// a classifier on the trained D's features of the real images also judges those generated images (<see cref="SampleQuality"/>).
    /// </summary>
    public static EvaluationResult Evaluate(string modelPath, DatasetSplits splits, IReadOnlyList<string> baselines, EvaluationOptions options, string outputDirectory, OnnxDevice device,
        ImageDataset? generated = null)
    {
        var info = DcganModelInfo.Read(modelPath);
        var test = splits.Test ?? throw new DatasetException(splits.Train.Source, "has no test split; the evaluation scores on the official test images");
        int classes = splits.Train.Labels.Where(l => l != ImageDataset.Unlabeled).Distinct().Count();
        if (classes < 2)
            throw new DatasetException(splits.Train.Source, $"its training split has labelled images of {classes} class{(classes == 1 ? "" : "es")}; a classifier needs at least 2");
        var ml = new MLContext(seed: (int)(options.Seed & 0x7FFFFFFF));
        var sets = new Dictionary<string, (FeatureMatrix, FeatureMatrix)>
        {
            ["trained D"] = (Featurize(ml, modelPath, splits.Train, "trained D, train split", device), Featurize(ml, modelPath, test, "trained D, test split", device)),
        };
        SampleQuality? quality = null;
        if (generated is not null)
        {
            var (train, testFeatures) = sets["trained D"];
            var generatedFeatures = Featurize(ml, modelPath, generated, "trained D, generated samples", device);
            quality = SampleQuality.Measure(ml, train, testFeatures, generatedFeatures, splits.Train.ClassNames, "the trained D's features");
        }
        if (baselines.Contains("untrained"))
        {
            var untrained = Path.Combine(Path.GetTempPath(), $"mlnetgan-untrained-{Guid.NewGuid():N}.onnx");
            try
            {
                UntrainedBaseline.Export(modelPath, splits.Train, options.Seed, untrained);
                sets["untrained D"] = (Featurize(ml, untrained, splits.Train, "untrained D, train split", device), Featurize(ml, untrained, test, "untrained D, test split", device));
            }
            finally
            {
                File.Delete(untrained);
            }
        }
        if (baselines.Contains("raw")) sets["raw pixels"] = (FeatureMatrix.FromPixels(splits.Train), FeatureMatrix.FromPixels(test));

        EvaluationResult result = null!;
        int total = sets.Count * options.LabelsPerClass.Sum(b => b is null ? 1 : options.Repeats), done = 0;
        ConsoleProgress.Run("evaluating", report =>
        {
            var progress = new SynchronousProgress<string>(message => report(++done, total, message));
            result = EvaluationProtocol.Run(ml, sets, splits.Train.ClassNames, options, progress) with { GeneratedSamples = quality };
        });
        EvaluationReport.Write(result, outputDirectory, new Dictionary<string, string>
        {
            ["model"] = Path.GetFullPath(modelPath),
            ["model metadata"] = string.Join(", ", info.Metadata.Where(p => p.Key is "mlnetgan.dataset" or "mlnetgan.epochs" or "mlnetgan.bn_stats" or "mlnetgan.seed")
                .Select(p => $"{p.Key["mlnetgan.".Length..]}={p.Value}")),
            ["dataset"] = splits.Train.Source,
            ["label budgets"] = string.Join(", ", options.LabelsPerClass.Select(b => b?.ToString(CultureInfo.InvariantCulture) ?? "all")),
            ["repeats"] = options.Repeats.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        });
        return result;
    }

    private static FeatureMatrix Featurize(MLContext ml, string model, ImageDataset images, string title, OnnxDevice device)
    {
        FeatureMatrix matrix = null!;
        ConsoleProgress.Run(title, report =>
            matrix = FeatureMatrix.FromModel(ml, model, images, progress: new SynchronousProgress<(int Done, int Total)>(p => report(p.Done, p.Total, "")), device: device));
        return matrix;
    }

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

    public static IReadOnlyList<string> ParseBaselines(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();
        foreach (var name in names)
            if (name is not ("raw" or "untrained" or "none")) throw new ArgumentException($"--baselines: '{name}' is not raw, untrained or none");
        return names.Where(n => n != "none").ToList();
    }

    public static ProbeClassifier ParseClassifier(string text) => text switch
    {
        "linear-svm" => ProbeClassifier.LinearSvm,
        "sdca-maxent" => ProbeClassifier.SdcaMaxEnt,
        "lbfgs-maxent" => ProbeClassifier.LbfgsMaxEnt,
        _ => throw new ArgumentException($"--classifier: '{text}' is not linear-svm, sdca-maxent or lbfgs-maxent"),
    };
}
