#:project ../src/MlnetGan.Onnx/MlnetGan.Onnx.csproj
#:project ../src/MlnetGan.ML/MlnetGan.ML.csproj
#:property MlnetGanNativeRuntimes=true
#:property PublishAot=false

// %% [markdown]
// # 1. Train a DCGAN and export its discriminator
//
// Trains a DCGAN (Radford et al. 2015) with TorchSharp on unlabeled images, shows the generator's samples and the
// loss curves, and exports the discriminator to ONNX with the paper's feature output (every conv block max-pooled to
// 4x4, concatenated). The next notebooks featurize with it.
//
// This notebook is generated from `notebooks/01-train-and-export.cs`, which also runs as a C# file-based app:
// `dotnet run notebooks/01-train-and-export.cs`.

// %%
using System.IO;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;

// %% [markdown]
// ## Parameters
// `dataset` is `builtin` (shapes drawn on the fly, no download) or a dataset folder (CIFAR-10 binary batches, an image
// folder with one sub-folder per class, MNIST IDX). `device` is `auto`, `cpu` or `cuda`.

// %% [parameters]
var dataset = "builtin";
var trainImages = 5000;
var epochs = 8;
var width = 64;
var device = "auto";
var runFolder = "runs/notebook-dcgan";

// %% [markdown]
// ## Data

// %%
var splits = DatasetLoader.Load(dataset, new DatasetLoadOptions { BuiltinTrainCount = trainImages, BuiltinTestCount = 1000 });
var train = splits.Train;
Console.WriteLine($"{train.Count} training images of {train.Channels}x{train.Height}x{train.Width} from {train.Source}; classes: {string.Join(", ", train.ClassNames)}");
var preview = train.Subset(Enumerable.Range(0, Math.Min(32, train.Count)).ToArray());
display(HTML(HtmlImage.Png(ImageGrid.EncodePng(preview.CopyPixels(), preview.Count, preview.Channels, preview.Height, columns: 8))));

// %% [markdown]
// ## Training
// The paper's recipe: Adam(2e-4, beta1 0.5), batch 128, weights N(0, 0.02), images in [-1, 1]. A run folder holds the
// config, `metrics.csv`, checkpoints and a sample grid per epoch; running the cell again on a finished run resumes it
// (nothing to do), and an interrupted run continues where it stopped.

// %%
var model = new DcganConfig { ImageSize = train.Height, Channels = train.Channels, Ngf = width, Ndf = width };
var options = new TrainingOptions { Epochs = epochs, BatchSize = Math.Min(128, train.Count), CheckpointEvery = 0 };
var torchDevice = TorchDevice.Resolve(device, allowCpuFallback: true, log: Console.WriteLine);
var run = new RunFolder(runFolder);
var result = DcganTrainer.Train(train, run, model, options, torchDevice, resume: run.Exists);
Console.WriteLine($"{result.Step} steps on {torchDevice} in {result.Elapsed.TotalSeconds:F0} s ({result.ImagesPerSecond:F0} images/s)");

// %% [markdown]
// ## Samples and losses
// The fixed-noise sample grid after the last epoch, then the losses over training (means per logged interval).

// %%
display(HTML(HtmlImage.Png(run.SamplePath(epochs))));
var metrics = new MetricsLog(run.MetricsPath).Read();
var steps = metrics.Select(m => (double)m.Step).ToList();
display(HTML(HtmlImage.Png(LineChart.RenderPng("DCGAN losses", "step", "loss",
[
    new ChartSeries("loss D", steps, metrics.Select(m => m.LossD).ToList()),
    new ChartSeries("loss G", steps, metrics.Select(m => m.LossG).ToList()),
], width: 800, height: 400))));
display(HTML(HtmlImage.Png(LineChart.RenderPng("Discriminator outputs", "step", "mean probability",
[
    new ChartSeries("D(x)", steps, metrics.Select(m => m.DReal).ToList()),
    new ChartSeries("D(G(z))", steps, metrics.Select(m => m.DFakeBeforeUpdate).ToList()),
], width: 800, height: 400))));

// %% [markdown]
// ## Export to ONNX
// The exported model's metadata tells the ML.NET featurizer how to feed it and what it returns.

// %%
var onnxPath = run.DiscriminatorPath;
RunExport.Export(run, onnxPath);
var info = DcganModelInfo.Read(onnxPath);
Console.WriteLine($"{onnxPath}: {new FileInfo(onnxPath).Length / 1024} KiB, input {info.Channels}x{info.ImageSize}x{info.ImageSize}, {info.FeatureLength} features, score output '{info.ScoreOutputName}'");

// %% [file-based app only]
static void display(object? value) => Console.WriteLine(value is Html html ? html.Describe() : value);
static Html HTML(string content) => new(content);

/// <summary>The file-based app's stand-in for the notebook kernel's HTML output.</summary>
record Html(string Content)
{
    /// <summary>Images are not shown in a terminal; the cell's files are on disk.</summary>
    public string Describe() => Content.StartsWith("<img", StringComparison.Ordinal) ? "(image)" : Content;
}
