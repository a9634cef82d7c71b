#:project ../src/MlnetGan.Onnx/MlnetGan.Onnx.csproj
#:project ../src/MlnetGan.ML/MlnetGan.ML.csproj
#:property MlnetGanNativeRuntimes=true
#:property PublishAot=false

// %% [markdown]
// # 4. Semi-supervised GAN with few labels
//
// Salimans et al. (2016): the discriminator is a K-class classifier whose implicit (K+1)-th class is "generated".
// It learns from a few labelled images (cross-entropy) and from all the others without labels (real vs generated,
// D(x) = Z / (Z + 1) with Z = sum_k exp(logit_k)); the generator matches D's intermediate features. Compared here with
// the same discriminator trained on the same labelled batches alone, and (when notebook 1's model is there) with the
// DCGAN features + linear SVM at the same label budget. Then the exported model classifies inside an ML.NET pipeline.
//
// Generated from `notebooks/04-semi-supervised.cs` (also runs as `dotnet run notebooks/04-semi-supervised.cs`).

// %%
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;

// %% [parameters]
var dataset = "builtin";
var trainImages = 5000;
var labelsPerClass = 100;
var epochs = 10;
var width = 32;
var learningRate = 5e-4;
var device = "auto";
var runFolder = "runs/notebook-semi-supervised";
var dcganModelPath = "runs/notebook-dcgan/discriminator.onnx";

// %% [markdown]
// ## Training both discriminators
// The labelled subset (`labelsPerClass` images of every class) is drawn from the seed; both runs see the same labelled
// batches. The test split is only used to report accuracy at the end.

// %%
var splits = DatasetLoader.Load(dataset, new DatasetLoadOptions { BuiltinTrainCount = trainImages, BuiltinTestCount = 1000 });
var test = splits.Test ?? throw new InvalidOperationException($"{dataset} has no test split");
var model = new DcganConfig { ImageSize = splits.Train.Height, Channels = splits.Train.Channels, Ngf = width, Ndf = width, NumClasses = splits.Train.ClassNames.Count };
var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = learningRate, LabelsPerClass = labelsPerClass, CheckpointEvery = 0 };
var torchDevice = TorchDevice.Resolve(device, allowCpuFallback: true, log: Console.WriteLine);
var accuracies = new Dictionary<string, TestAccuracy>();
foreach (var mode in new[] { DiscriminatorMode.SemiSupervised, DiscriminatorMode.Supervised })
{
    var name = mode.Name();
    var run = new RunFolder(Path.Combine(runFolder, name));
    var trained = DcganTrainer.Train(splits.Train, run, model, options with { Mode = mode }, torchDevice, resume: run.Exists);
    accuracies[name] = DiscriminatorClassifier.MeasureRun(run, test, torchDevice);
    Console.WriteLine($"{name}: {trained.Step} steps in {trained.Elapsed.TotalSeconds:F0} s; test accuracy {accuracies[name].Accuracy:P1}");
}

// %% [markdown]
// ## What the generator learned
// Feature matching aims for a useful discriminator, not for pretty samples (Salimans et al. say as much).

// %%
display(HTML(HtmlImage.Png(new RunFolder(Path.Combine(runFolder, "semi-supervised")).SamplePath(epochs))));

// %% [markdown]
// ## Against the DCGAN features at the same budget
// The paper's protocol (linear SVM on notebook 1's discriminator features) with `labelsPerClass` labels per class.

// %%
var mlContext = new MLContext(seed: 0);
var onnxDevice = OnnxDevice.Parse(device, allowCpuFallback: true);
var rows = accuracies.Select(p => (Method: $"{p.Key} discriminator", Accuracy: p.Value.Accuracy)).ToList();
if (File.Exists(dcganModelPath) && DcganModelInfo.Read(dcganModelPath).ImageSize == model.ImageSize)
{
    var features = new Dictionary<string, (FeatureMatrix Train, FeatureMatrix Test)>
    {
        ["DCGAN features"] = (FeatureMatrix.FromModel(mlContext, dcganModelPath, splits.Train, device: onnxDevice), FeatureMatrix.FromModel(mlContext, dcganModelPath, test, device: onnxDevice)),
    };
    var svm = EvaluationProtocol.Run(mlContext, features, splits.Train.ClassNames, new EvaluationOptions { LabelsPerClass = [labelsPerClass], Repeats = 1 });
    rows.Add(("DCGAN features + linear SVM", svm.Results[0].MeanAccuracy));
}
else Console.WriteLine($"{dcganModelPath} not found (run notebook 1 first): the DCGAN-features row is left out");
display(string.Join("\n", [$"| method ({labelsPerClass} labels per class) | test accuracy |", "| --- | --- |", .. rows.Select(r => $"| {r.Method} | {r.Accuracy:P1} |")]));

// %% [markdown]
// ## Classifying in ML.NET
// Export the semi-supervised discriminator (its ONNX gains `logits` and `probabilities` outputs and the class names) and
// classify with `mlContext.Transforms.ClassifyWithDcgan`: `Score` holds the class probabilities and `PredictedLabel`
// a key over the class names, so ML.NET's multiclass evaluator applies as to any trainer's output.

// %%
var onnxPath = Path.Combine(runFolder, "semi-supervised.onnx");
RunExport.Export(new RunFolder(Path.Combine(runFolder, "semi-supervised")), onnxPath);
var testView = new ImageDatasetDataView(test);
var classifier = mlContext.Transforms.ClassifyWithDcgan("PredictedLabel", onnxPath, inputColumnName: "Pixels");
var fitted = classifier.Fit(testView);
var scored = fitted.Transform(testView);
var metrics = mlContext.MulticlassClassification.Evaluate(scored, labelColumnName: "Label");
Console.WriteLine($"ML.NET: accuracy {metrics.MicroAccuracy:P1} on {test.Count} test images (TorchSharp measured {accuracies["semi-supervised"].Accuracy:P1}); log-loss {metrics.LogLoss:F3}");
display(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// %% [markdown]
// ## Save and load the classifier

// %%
var zip = Path.Combine(runFolder, "classifier.zip");
mlContext.Model.Save(fitted, testView.Schema, zip);
var fresh = new MLContext();
fresh.ComponentCatalog.RegisterDcganComponents();
var loaded = fresh.Model.Load(zip, out _);
var before = scored.GetColumn<uint>("PredictedLabel").ToArray();
var after = loaded.Transform(new ImageDatasetDataView(test)).GetColumn<uint>("PredictedLabel").ToArray();
Console.WriteLine($"{zip}: reloaded predictions {(before.SequenceEqual(after) ? "match" : "DIFFER")} on all {after.Length} test images");

// %% [file-based app only]
static void display(object? value) => Console.WriteLine(value is Html html ? html.Describe() : value);
static Html HTML(string content) => new(content);

/// <summary>The file-based app's stand-in for the notebook kernel's HTML output.</summary>
record Html(string Content)
{
    /// <summary>Images are not shown in a terminal; the cell's files are on disk.</summary>
    public string Describe() => Content.StartsWith("<img", StringComparison.Ordinal) ? "(image)" : Content;
}
