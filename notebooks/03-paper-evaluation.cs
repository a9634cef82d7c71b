#:project ../src/MlnetGan.Workflows/MlnetGan.Workflows.csproj
#:property MlnetGanNativeRuntimes=true
#:property PublishAot=false

// %% [markdown]
// # 3. The DCGAN paper's evaluation
//
// Radford et al. (2015) judged the discriminator as an unsupervised feature extractor: every conv layer max-pooled to
// 4x4 and concatenated, then a regularized linear L2-SVM trained on a few labels per class and scored on the test
// split. This notebook runs that protocol with ML.NET (SDCA with the hinge loss, L2 strength chosen on a validation
// part of each labelled subset) against two baselines: raw pixels and an untrained discriminator of the same shape.
// It runs the steps of the workflow `mlnetgan evaluate` runs (`DiscriminatorEvaluation` in MlnetGan.Workflows).
// Point `dataset` at CIFAR-10 (binary batches or the JPEG class folders) and `modelPath` at a discriminator trained on it
// for the paper's setting.
//
// Generated from `notebooks/03-paper-evaluation.cs` (also runs as `dotnet run notebooks/03-paper-evaluation.cs`).

// %%
using System.IO;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Workflows;

// %% [parameters]
// As shipped: the built-in shapes and notebook 1's discriminator (a few minutes on a CPU). For the paper's setting on
// CIFAR-10 (BENCHMARKS.md has the figures): unpack cifar10-jpg.tar.gz, train with
// `mlnetgan paper --data <cifar10 folder> --out runs/paper --budget 7e`, then set dataset to the cifar10 folder,
// modelPath to runs/paper/discriminator.onnx and labelsPerClass to "100,400,1000,all".
var dataset = "builtin";
var modelPath = "runs/notebook-dcgan/discriminator.onnx";
var labelsPerClass = "20,100,all";
var repeats = 3;
var device = "auto";
var reportFolder = "runs/notebook-evaluation";

// %% [markdown]
// ## Features
// The trained discriminator, an untrained one (same shape, random N(0, 0.02) weights) and the raw pixels. The built-in
// dataset is drawn with the seed the model was trained with, so `builtin` here means the same images as notebook 1.

// %%
var splits = DatasetLoader.Load(dataset);
var mlContext = new MLContext(seed: 0);
var onnxDevice = OnnxDevice.Parse(device, allowCpuFallback: true);
var clock = System.Diagnostics.Stopwatch.StartNew();
var featureSets = DiscriminatorEvaluation.Featurize(mlContext, modelPath, splits, EvaluationBaselines.Both, seed: 0, onnxDevice, WorkflowProgress.Silent);
foreach (var (name, (train, _)) in featureSets) Console.WriteLine($"{name}: {train.Dimension} features");
Console.WriteLine($"{splits.Train.Count} training and {splits.Test!.Count} test images featurized in {clock.Elapsed.TotalSeconds:F0} s");

// %% [markdown]
// ## The protocol
// For each label budget, `repeats` class-balanced labelled subsets; the test split is never used to choose anything.

// %%
var budgets = labelsPerClass.Split(',').Select(b => b.Trim() == "all" ? (int?)null : int.Parse(b)).ToList();
var options = new EvaluationOptions { LabelsPerClass = budgets, Repeats = repeats };
var result = DiscriminatorEvaluation.RunProtocol(mlContext, featureSets, splits.Train.ClassNames, options, WorkflowProgress.StatusLines(Console.WriteLine));
DiscriminatorEvaluation.WriteReport(result, reportFolder, modelPath, splits.Train, options);
Console.WriteLine($"{result.Classifier}, {result.Seconds:F0} s");

// %% [markdown]
// ## Results
// Test accuracy (mean ± standard deviation over the subsets) per feature set and label budget.

// %%
display(EvaluationReport.Table(result));
display(HTML(HtmlImage.Png(Path.Combine(reportFolder, EvaluationReport.PlotFile))));

// %% [file-based app only]
static void display(object? value) => Console.WriteLine(value is Html html ? html.Describe() : value);
static Html HTML(string content) => new(content);

/// <summary>The file-based app's stand-in for the notebook kernel's HTML output.</summary>
record Html(string Content)
{
    /// <summary>Images are not shown in a terminal; the cell's files are on disk.</summary>
    public string Describe() => Content.StartsWith("<img", StringComparison.Ordinal) ? "(image)" : Content;
}
