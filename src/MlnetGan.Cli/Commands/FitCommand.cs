using System.CommandLine;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.ML;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan fit</c>: the evaluation protocol's classifier on a discriminator's features, saved as an ML.NET pipeline
/// (image path in, class name out) for <c>mlnetgan predict</c> or <c>mlContext.Model.Load</c>.
/// </summary>
internal static class FitCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported discriminator (.onnx); it is embedded in the saved pipeline.", Required = true };
        var data = SharedOptions.Data("Labelled training images: 'builtin', a CIFAR-10 binary folder, an image folder (root/<class>/*.png|jpg or with train/) or an IDX folder.");
        var format = SharedOptions.Format();
        var skipCorrupt = SharedOptions.SkipCorrupt();
        var budget = new Option<string>("--labels-per-class")
        {
            Description = "Labelled images per class (a class-balanced subset drawn from the seed, as 'evaluate' draws it), or 'all' (every labelled training image).",
            DefaultValueFactory = _ => "all",
        };
        var classifier = SharedOptions.Classifier();
        var seed = SharedOptions.Seed();
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per ONNX Runtime call.", DefaultValueFactory = _ => new LinearProbeOptions().BatchSize });
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var output = new Option<string>("--out") { Description = "The ML.NET pipeline to write (.zip), atomically; input: a text column ImagePath.", Required = true };
        var command = new Command("fit", "Fit the evaluation's linear classifier on the discriminator's features and save it as an ML.NET pipeline for 'mlnetgan predict'.")
        {
            model, data, format, skipCorrupt, budget, classifier, seed, batchSize, device, fallback, output,
        };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(output));
            if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out {path}: name a .zip file");
            var budgets = EvaluateCommand.ParseBudgets(parse.GetValue(budget)!);
            if (budgets.Count != 1) throw new ArgumentException("--labels-per-class: give one budget (a number or 'all')");
            var modelPath = parse.GetRequiredValue(model);
            var info = DcganModelInfo.Read(modelPath);
            long seedValue = parse.GetValue(seed);
            var splits = SharedOptions.LoadData(parse.GetValue(data)!, parse.GetValue(format), parse.GetValue(skipCorrupt), info.ImageSize, info.Channels, seedValue);
            var options = new LinearProbeOptions
            {
                LabelsPerClass = budgets[0],
                Protocol = new EvaluationOptions { Classifier = EvaluateCommand.ParseClassifier(parse.GetValue(classifier)!), Seed = seedValue },
                BatchSize = parse.GetValue(batchSize),
                Device = OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
            };
            var ml = new MLContext(seed: (int)(seedValue & 0x7FFFFFFF));
            LinearProbe probe = null!;
            ConsoleProgress.Run("fitting", report =>
                probe = LinearProbe.Fit(ml, modelPath, splits.Train, options, new SynchronousProgress<(int Done, int Total, string Status)>(p => report(p.Done, p.Total, p.Status))));
            using (probe)
            {
                probe.Save(ml, path);
                AnsiConsole.MarkupLineInterpolated($"Fitted a {EvaluationProtocol.DisplayName(options.Protocol.Classifier)} on {probe.LabelledImages} labelled images of {splits.Train.Source} ({probe.ClassNames.Count} classes): L2 {probe.Regularization:G2}, validation accuracy {probe.ValidationAccuracy:P1}");
                AnsiConsole.MarkupLineInterpolated($"Saved the pipeline to {path}; predict with: mlnetgan predict --pipeline {path} --images <folder or file> --out predictions.csv");
            }
            return 0;
        });
        return command;
    }
}
