#:project ../src/MlnetGan.ML/MlnetGan.ML.csproj
#:package Microsoft.ML.OnnxRuntime
#:property PublishAot=false

// %% [markdown]
// # 2. An ML.NET pipeline with the DCGAN featurizer
//
// Composes an ML.NET pipeline in code: load image files, resize, featurize with the exported discriminator
// (`mlContext.Transforms.ExtractDcganFeatures`), standardize, and train a linear SVM (the paper's L2-SVM). Then
// evaluates it, predicts single images, and saves the pipeline, which loads back elsewhere.
// Needs a discriminator exported by notebook 1 (or `mlnetgan train`).
//
// Generated from `notebooks/02-pipeline-and-predict.cs` (also runs as `dotnet run notebooks/02-pipeline-and-predict.cs`).

// %%
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlnetGan.Data;
using MlnetGan.ML;

// %% [parameters]
var modelPath = "runs/notebook-dcgan/discriminator.onnx";
var imageFolder = "runs/notebook-images";
var trainImages = 2000;
var testImages = 500;
var device = "auto";

// %% [markdown]
// ## Image files
// The pipeline reads image files, as a user's would. Here they are written from the built-in dataset, one folder per
// class, and listed with their labels.

// %%
if (!Directory.Exists(imageFolder))
{
    var shapes = BuiltinShapes.Generate(seed: 7, trainCount: trainImages, testCount: testImages);
    ImageFolderReader.WriteClassFolders(shapes.Train, Path.Combine(imageFolder, "train"));
    ImageFolderReader.WriteClassFolders(shapes.Test!, Path.Combine(imageFolder, "test"));
}
var mlContext = new MLContext(seed: 0);
var onnxDevice = OnnxDevice.Parse(device, allowCpuFallback: true);
mlContext.GpuDeviceId = onnxDevice.GpuDeviceId;
mlContext.FallbackToCpu = true;
(IDataView Data, int Count) ListImages(string folder)
{
    var files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
    var list = Path.Combine(folder, "images.tsv");
    File.WriteAllLines(list, files.Select(file => $"{Path.GetFullPath(file)}\t{Path.GetFileName(Path.GetDirectoryName(file))}"));
    return (mlContext.Data.LoadFromTextFile(list, [new TextLoader.Column("ImagePath", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1)]), files.Length);
}
var (trainData, trainCount) = ListImages(Path.Combine(imageFolder, "train"));
var (testData, testCount) = ListImages(Path.Combine(imageFolder, "test"));
Console.WriteLine($"{trainCount} training and {testCount} test images listed");

// %% [markdown]
// ## The pipeline
// The classifier is the paper's linear SVM: ML.NET's multiclass SDCA with the hinge loss and L2 regularization (L1 off:
// ML.NET's automatic L1 strength zeroes every weight of these high-dimensional features). The cache checkpoint keeps the
// features in memory for the trainer's passes instead of featurizing the images again on each pass, and lets the
// trainer shuffle rows that the file list gives sorted by class.

// %%
var pipeline = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
    .Append(mlContext.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath"))
    .Append(mlContext.Transforms.ResizeImages("Image", imageWidth: 32, imageHeight: 32))
    .Append(mlContext.Transforms.ExtractDcganFeatures("Features", modelPath, inputColumnName: "Image"))
    .Append(mlContext.Transforms.NormalizeMeanVariance("Features"))
    .AppendCacheCheckpoint(mlContext)
    .Append(mlContext.MulticlassClassification.Trainers.SdcaNonCalibrated("LabelKey", "Features", lossFunction: new HingeLoss(), l1Regularization: 0, l2Regularization: 0.01f))
    .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
var clock = System.Diagnostics.Stopwatch.StartNew();
var model = pipeline.Fit(trainData);
Console.WriteLine($"fitted in {clock.Elapsed.TotalSeconds:F1} s");

// %% [markdown]
// ## Evaluation on the held-out images

// %%
var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData), labelColumnName: "LabelKey");
Console.WriteLine($"accuracy {metrics.MicroAccuracy:P1} (macro {metrics.MacroAccuracy:P1}) on {testCount} test images");
display(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// %% [markdown]
// ## Predicting single images
// One row per file; the predicted class comes back as its name.

// %%
var someFiles = testData.GetColumn<string>("ImagePath").Where((_, i) => i % Math.Max(1, testCount / 5) == 0).Take(5).ToArray();
var single = mlContext.Data.LoadFromEnumerable(someFiles.Select(f => new { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f))! }));
var predicted = model.Transform(single);
foreach (var (file, label) in someFiles.Zip(predicted.GetColumn<string>("PredictedClass")))
    Console.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileName(file)} -> {label}");

// %% [markdown]
// ## Save and load
// The saved pipeline carries the ONNX model's bytes. A fresh context registers MlnetGan's components, then loads it.

// %%
var zip = Path.Combine(imageFolder, "pipeline.zip");
mlContext.Model.Save(model, trainData.Schema, zip);
var fresh = new MLContext();
fresh.ComponentCatalog.RegisterDcganComponents();
var loaded = fresh.Model.Load(zip, out _);
var again = loaded.Transform(single).GetColumn<string>("PredictedClass").ToArray();
Console.WriteLine($"{zip}: {new FileInfo(zip).Length / 1024} KiB; reloaded predictions {(again.SequenceEqual(predicted.GetColumn<string>("PredictedClass")) ? "match" : "DIFFER")}");

// %% [file-based app only]
static void display(object? value) => Console.WriteLine(value);
