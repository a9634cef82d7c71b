using System.Globalization;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;

namespace MlnetGan.Workflows;

/// <summary>What the trained discriminator's features are compared with.</summary>
[Flags]
public enum EvaluationBaselines
{
    /// <summary>The trained discriminator alone.</summary>
    None = 0,

    /// <summary>A randomly initialised discriminator of the same shape (<see cref="UntrainedBaseline"/>).</summary>
    UntrainedDiscriminator = 1,

    /// <summary>The images' pixels as features.</summary>
    RawPixels = 2,

    /// <summary>Both baselines.</summary>
    Both = UntrainedDiscriminator | RawPixels,
}

/// <summary>
/// The DCGAN paper's evaluation of a discriminator as a feature extractor: featurize the train and test splits with the
/// model and the baselines, run the linear-classifier protocol per label budget (<see cref="EvaluationProtocol"/>) and
/// write the report. <see cref="Evaluate(string, DatasetSplits, EvaluationBaselines, EvaluationOptions, string, OnnxDevice, IWorkflowProgress, ImageDataset?)"/>
/// does it all; <see cref="Featurize"/>, <see cref="RunProtocol"/> and <see cref="WriteReport"/> are its steps.
/// </summary>
public static class DiscriminatorEvaluation
{
    /// <summary>The feature sets' names, in the order they are featurized and reported.</summary>
    public const string TrainedSet = "trained D", UntrainedSet = "untrained D", RawPixelsSet = "raw pixels";

    /// <summary>Loads the labelled dataset at <paramref name="dataPath"/> at the model's image shape and evaluates on it.</summary>
    public static EvaluationResult Evaluate(string modelPath, string dataPath, DatasetFormat format, EvaluationBaselines baselines, EvaluationOptions options, string outputDirectory,
        OnnxDevice device, IWorkflowProgress progress)
    {
        var info = DcganModelInfo.Read(modelPath);
        var splits = DatasetLoader.Load(dataPath, new DatasetLoadOptions
        {
            Format = format, ImageSize = info.ImageSize, Channels = info.Channels, OnCorruptImage = CorruptImagePolicy.Fail, BuiltinSeed = (int)(options.Seed & 0x7FFFFFFF),
        });
        return Evaluate(modelPath, splits, baselines, options, outputDirectory, device, progress);
    }

    /// <summary>
    /// Evaluates on splits already loaded and writes the report to <paramref name="outputDirectory"/>. With
    /// <paramref name="generated"/>, a classifier on the trained D's features of the real images also judges those
    /// generated images (<see cref="SampleQuality"/>).
    /// </summary>
    public static EvaluationResult Evaluate(string modelPath, DatasetSplits splits, EvaluationBaselines baselines, EvaluationOptions options, string outputDirectory,
        OnnxDevice device, IWorkflowProgress progress, ImageDataset? generated = null)
    {
        var test = CheckSplits(modelPath, splits);
        var ml = new MLContext(seed: (int)(options.Seed & 0x7FFFFFFF));
        var sets = new Dictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> { [TrainedSet] = FeaturizeSplits(ml, modelPath, splits.Train, test, TrainedSet, options.AverageHorizontalFlip, device, progress) };
        SampleQuality? quality = null;
        if (generated is not null)
        {
            var (train, testFeatures) = sets[TrainedSet];
            var generatedFeatures = FeaturizeImages(ml, modelPath, generated, $"{TrainedSet}, generated samples", options.AverageHorizontalFlip, device, progress);
            quality = SampleQuality.Measure(ml, train, testFeatures, generatedFeatures, splits.Train.ClassNames, "the trained D's features");
        }
        AddBaselines(sets, ml, modelPath, splits.Train, test, baselines, options.Seed, options.AverageHorizontalFlip, device, progress);
        var result = RunProtocol(ml, sets, splits.Train.ClassNames, options, progress) with { GeneratedSamples = quality };
        WriteReport(result, outputDirectory, modelPath, splits.Train, options);
        return result;
    }

    /// <summary>
    /// The train and test features of the model (<see cref="TrainedSet"/>) and of the <paramref name="baselines"/>, in
    /// that order; the untrained discriminator's weights are drawn from <paramref name="seed"/>. With
    /// <paramref name="averageHorizontalFlip"/>, both discriminators' features are averaged with those of the mirror images.
    /// </summary>
    public static IReadOnlyDictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> Featurize(MLContext context, string modelPath, DatasetSplits splits,
        EvaluationBaselines baselines, long seed, OnnxDevice device, IWorkflowProgress progress, bool averageHorizontalFlip = false)
    {
        var test = CheckSplits(modelPath, splits);
        var sets = new Dictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> { [TrainedSet] = FeaturizeSplits(context, modelPath, splits.Train, test, TrainedSet, averageHorizontalFlip, device, progress) };
        AddBaselines(sets, context, modelPath, splits.Train, test, baselines, seed, averageHorizontalFlip, device, progress);
        return sets;
    }

    /// <summary>The protocol on every feature set, as the stage "evaluating" that reports each labelled subset's accuracy.</summary>
    public static EvaluationResult RunProtocol(MLContext context, IReadOnlyDictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> featureSets,
        IReadOnlyList<string> classNames, EvaluationOptions options, IWorkflowProgress progress)
    {
        EvaluationResult result = null!;
        int total = featureSets.Count * options.LabelsPerClass.Sum(b => b is null ? 1 : options.Repeats), done = 0;
        progress.Stage("evaluating", report =>
            result = EvaluationProtocol.Run(context, featureSets, classNames, options, new SynchronousProgress<string>(message => report.Report(new StageProgress(++done, total, message)))));
        return result;
    }

    /// <summary>Writes results.json, report.md and the plots to <paramref name="outputDirectory"/>, with the model's provenance and the protocol's settings.</summary>
    public static void WriteReport(EvaluationResult result, string outputDirectory, string modelPath, ImageDataset train, EvaluationOptions options)
    {
        var info = DcganModelInfo.Read(modelPath);
        EvaluationReport.Write(result, outputDirectory, new Dictionary<string, string>
        {
            ["model"] = Path.GetFullPath(modelPath),
            ["model metadata"] = string.Join(", ", info.Metadata.Where(p => p.Key is "mlnetgan.dataset" or "mlnetgan.epochs" or "mlnetgan.bn_stats" or "mlnetgan.seed")
                .Select(p => $"{p.Key["mlnetgan.".Length..]}={p.Value}")),
            ["dataset"] = train.Source,
            ["label budgets"] = string.Join(", ", options.LabelsPerClass.Select(b => b?.ToString(CultureInfo.InvariantCulture) ?? "all")),
            ["repeats"] = options.Repeats.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["discriminator features"] = options.AverageHorizontalFlip ? "averaged with the horizontally flipped image's" : "of the image alone",
        });
    }

    /// <summary>Checks the model and that the splits can be evaluated (a test split, labelled images of two classes or more) before anything is featurized; returns the test split.</summary>
    private static ImageDataset CheckSplits(string modelPath, DatasetSplits splits)
    {
        DcganModelInfo.Read(modelPath);
        var test = splits.Test ?? throw new DatasetException(splits.Train.Source, "has no test split; the evaluation scores on the official test images");
        int classes = splits.Train.Labels.Where(l => l != ImageDataset.Unlabeled).Distinct().Count();
        if (classes < 2)
            throw new DatasetException(splits.Train.Source, $"its training split has labelled images of {classes} class{(classes == 1 ? "" : "es")}; a classifier needs at least 2");
        return test;
    }

    private static void AddBaselines(Dictionary<string, (FeatureMatrix Train, FeatureMatrix Test)> sets, MLContext context, string modelPath, ImageDataset train, ImageDataset test,
        EvaluationBaselines baselines, long seed, bool averageHorizontalFlip, OnnxDevice device, IWorkflowProgress progress)
    {
        if (baselines.HasFlag(EvaluationBaselines.UntrainedDiscriminator))
        {
            var untrained = Path.Combine(Path.GetTempPath(), $"mlnetgan-untrained-{Guid.NewGuid():N}.onnx");
            try
            {
                UntrainedBaseline.Export(modelPath, train, seed, untrained);
                sets[UntrainedSet] = FeaturizeSplits(context, untrained, train, test, UntrainedSet, averageHorizontalFlip, device, progress);
            }
            finally
            {
                File.Delete(untrained);
            }
        }
        if (baselines.HasFlag(EvaluationBaselines.RawPixels)) sets[RawPixelsSet] = (FeatureMatrix.FromPixels(train), FeatureMatrix.FromPixels(test));
    }

    private static (FeatureMatrix Train, FeatureMatrix Test) FeaturizeSplits(MLContext context, string modelPath, ImageDataset train, ImageDataset test, string set,
        bool averageHorizontalFlip, OnnxDevice device, IWorkflowProgress progress) =>
        (FeaturizeImages(context, modelPath, train, $"{set}, train split", averageHorizontalFlip, device, progress),
            FeaturizeImages(context, modelPath, test, $"{set}, test split", averageHorizontalFlip, device, progress));

    private static FeatureMatrix FeaturizeImages(MLContext context, string modelPath, ImageDataset images, string title, bool averageHorizontalFlip, OnnxDevice device,
        IWorkflowProgress progress)
    {
        FeatureMatrix matrix = null!;
        progress.Stage(title, report => matrix = FeatureMatrix.FromModel(context, modelPath, images,
            progress: new SynchronousProgress<(int Done, int Total)>(p => report.Report(new StageProgress(p.Done, p.Total, ""))), device: device,
            averageHorizontalFlip: averageHorizontalFlip));
        return matrix;
    }
}
