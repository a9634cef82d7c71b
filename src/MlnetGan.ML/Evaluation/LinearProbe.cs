using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>Options of <see cref="LinearProbe.Fit"/>.</summary>
public sealed record LinearProbeOptions
{
    /// <summary>Labelled training images per class; null takes every labelled training image (the protocol's "all").</summary>
    public int? LabelsPerClass { get; init; }

    /// <summary>The classifier, its L2 grid, validation fraction and iterations: those of the evaluation protocol.</summary>
    public EvaluationOptions Protocol { get; init; } = new();

    /// <summary>Rows per ONNX Runtime call while featurizing.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>ONNX Runtime device; null takes the context's settings.</summary>
    public OnnxDevice? Device { get; init; }
}

/// <summary>
/// A fitted image classifier: the DCGAN featurizer, standardisation and the evaluation protocol's linear classifier as
/// one ML.NET pipeline whose input is a text column <c>ImagePath</c> and whose outputs are <c>Score</c> and a text
/// <c>PredictedLabel</c> (the class name).
/// </summary>
public sealed class LinearProbe : IDisposable
{
    /// <summary>The name of the pipeline's input column: an image file's path.</summary>
    public const string ImagePathColumn = "ImagePath";

    private LinearProbe(ITransformer pipeline, DataViewSchema inputSchema, IReadOnlyList<string> classNames, int labelledImages, double regularization, double validationAccuracy)
    {
        Pipeline = pipeline;
        InputSchema = inputSchema;
        ClassNames = classNames;
        LabelledImages = labelledImages;
        Regularization = regularization;
        ValidationAccuracy = validationAccuracy;
    }

    /// <summary>LoadImages, ResizeImages, the DCGAN featurizer, mean-variance standardisation, the classifier, key to class name.</summary>
    public ITransformer Pipeline { get; }

    /// <summary>The pipeline's input: one text column <see cref="ImagePathColumn"/>.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The class names, in key order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Labelled images the classifier was fitted on (fitting and validation parts together).</summary>
    public int LabelledImages { get; }

    /// <summary>The L2 strength chosen on the validation part.</summary>
    public double Regularization { get; }

    /// <summary>Accuracy of the chosen L2 on the validation part (fitted without it).</summary>
    public double ValidationAccuracy { get; }

    /// <summary>
    /// Featurizes <paramref name="train"/> with the discriminator, standardises the features with the statistics of every
    /// training image (no labels used), draws the labelled subset the evaluation protocol draws first for this budget and
    /// seed (class-balanced, or every labelled image for "all"), chooses the L2 strength on its validation part, refits on the whole subset and assembles
    /// the pipeline that does all of it from an image path.
    /// </summary>
    /// <param name="context">The ML.NET context.</param>
    /// <param name="modelPath">The exported discriminator (.onnx); its bytes are embedded in the pipeline when it is saved.</param>
    /// <param name="train">Training images with labels (unlabelled images only count towards the standardisation).</param>
    /// <param name="options">Budget, classifier and featurizer settings.</param>
    /// <param name="progress">Reports (done, total, what) while featurizing and while trying each L2 strength.</param>
    public static LinearProbe Fit(MLContext context, string modelPath, ImageDataset train, LinearProbeOptions options, IProgress<(int Done, int Total, string Status)>? progress = null)
    {
        var info = DcganModelInfo.Read(modelPath);
        var classNames = train.ClassNames;
        if (classNames.Count < 2) throw new DatasetException(train.Source, $"has {classNames.Count} class(es); a classifier needs at least 2");
        var byClass = EvaluationProtocol.ByClass(train.Labels, classNames.Count);
        int smallest = byClass.Min(c => c.Length);
        if (options.LabelsPerClass is { } budget)
        {
            if (budget < 2) throw new InvalidSettingException(name => $"{name(nameof(options.LabelsPerClass))} must be at least 2 (one image to fit and one to validate per class), not {budget}");
            if (budget > smallest)
                throw new ArgumentException($"{budget} labels per class requested but the smallest class of {train.Source} has {smallest} labelled training images");
        }
        else if (smallest < 2)
        {
            throw new DatasetException(train.Source, $"its smallest class has {smallest} labelled training image(s); every class needs 2 (one to fit, one to validate)");
        }

        var raw = FeatureMatrix.FromModel(context, modelPath, train, options.BatchSize,
            new SynchronousProgress<(int Done, int Total)>(p => progress?.Report((p.Done, p.Total, "featurizing"))), options.Device);
        var everyRow = new FeatureRowsDataView(raw, Enumerable.Range(0, raw.Rows.Length).ToArray(), classes: null);
        var standardize = context.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(everyRow);
        var standardized = new FeatureMatrix(standardize.Transform(everyRow).GetColumn<float[]>("Features").ToArray(), raw.Labels);

        var (fit, validation) = EvaluationProtocol.Subset(byClass, options.LabelsPerClass, options.Protocol.Seed, repeat: 0, options.Protocol.ValidationFraction);
        progress?.Report((0, 1, "choosing the L2 strength"));
        var (classifier, regularization, validationAccuracy) = EvaluationProtocol.FitChoosingRegularization(context, standardized, fit, validation, classNames, options.Protocol, options.Protocol.Seed);
        progress?.Report((1, 1, $"L2 {regularization:G2}, validation accuracy {validationAccuracy:P1}"));

        var paths = context.Data.LoadFromEnumerable(Array.Empty<ImagePathRow>());
        var featurizer = context.Transforms.LoadImages("Image", imageFolder: null, ImagePathColumn)
            .Append(context.Transforms.ResizeImages("Image", info.ImageSize, info.ImageSize))
            .Append(context.Transforms.ExtractDcganFeatures(new DcganFeaturizerOptions
            {
                ModelPath = modelPath, InputColumnName = "Image", OutputColumnName = "Features", BatchSize = options.BatchSize,
                GpuDeviceId = options.Device?.GpuDeviceId, FallbackToCpu = options.Device?.FallbackToCpu,
            }))
            .Fit(paths);
        var classified = classifier.Transform(standardize.Transform(new FeatureRowsDataView(standardized, [], classes: null)));
        var toName = context.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(classified);
        var pipeline = featurizer.Append(standardize).Append(classifier).Append(toName);
        return new LinearProbe(pipeline, paths.Schema, classNames, fit.Length + validation.Length, regularization, validationAccuracy);
    }

    /// <summary>Saves the pipeline with <c>mlContext.Model.Save</c> (the ONNX model embedded), atomically.</summary>
    /// <param name="context">The ML.NET context.</param>
    /// <param name="path">The .zip file to write.</param>
    public void Save(MLContext context, string path) => AtomicFile.Write(path, stream => context.Model.Save(Pipeline, InputSchema, stream));

    /// <inheritdoc />
    public void Dispose() => (Pipeline as IDisposable)?.Dispose();

    private sealed class ImagePathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
