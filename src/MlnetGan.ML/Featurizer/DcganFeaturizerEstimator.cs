using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;

namespace MlnetGan.ML;

/// <summary>
/// Estimator for <see cref="DcganFeaturizerTransformer"/>: loads the discriminator's description at construction (a
/// missing or invalid model fails here, naming the file) and checks the input column's type at
/// <see cref="GetOutputSchema"/> and <see cref="Fit"/>.
/// </summary>
public sealed class DcganFeaturizerEstimator : IEstimator<DcganFeaturizerTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly DcganFeaturizerOptions options;
    private readonly byte[] model;

    /// <summary>Creates the estimator (also reached as <c>mlContext.Transforms.ExtractDcganFeatures</c>).</summary>
    public DcganFeaturizerEstimator(MLContext context, DcganFeaturizerOptions options) : this((IHostEnvironment)context, options)
    {
    }

    internal DcganFeaturizerEstimator(IHostEnvironment environment, DcganFeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be at least 1, not {options.BatchSize}");
        if (string.IsNullOrWhiteSpace(options.InputColumnName)) throw new ArgumentException("InputColumnName is empty", nameof(options));
        if (string.IsNullOrWhiteSpace(options.OutputColumnName)) throw new ArgumentException("OutputColumnName is empty", nameof(options));
        this.environment = environment;
        this.options = options.Clone();
        var (gpu, fallback) = MlNetInternals.DeviceSettingsOf(environment);
        this.options.GpuDeviceId ??= gpu;
        this.options.FallbackToCpu ??= fallback;
        model = DcganModelInfo.ReadModelBytes(options.ModelPath);
        ModelInfo = DcganModelInfo.Read(model, options.ModelPath, options.ImageSize, options.Channels);
        if (options.ScoreColumnName is not null && ModelInfo.ScoreOutputName is null)
            throw new ArgumentException($"{options.ModelPath}: has no score output for column '{options.ScoreColumnName}'", nameof(options));
    }

    /// <summary>What the model expects and returns.</summary>
    public DcganModelInfo ModelInfo { get; }

    /// <inheritdoc />
    public DcganFeaturizerTransformer Fit(IDataView input) => new(environment, options, model, ModelInfo, input.Schema);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var name = options.InputColumnName;
        var matches = inputSchema.Where(c => c.Name == name).ToList();
        if (matches.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"DCGAN featurizer: input column '{name}' not found");
        var column = matches[^1];
        bool isImage = column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is ImageDataViewType;
        bool isPixelVector = column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType == NumberDataViewType.Single;
        if (!isImage && !isPixelVector)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"DCGAN featurizer: column '{name}' is {column.Kind} of {column.ItemType}; expected an image (LoadImages/ResizeImages) or a known-size vector of Single pixels");
        var added = new DataViewSchema.Builder();
        added.AddColumn(options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, ModelInfo.FeatureLength));
        if (options.ScoreColumnName is not null) added.AddColumn(options.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, ModelInfo.ScoreLength), NameAnnotations.OfScore(ModelInfo));
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in MlNetInternals.ShapeOf(added.ToSchema())) columns[c.Name] = c;
        return new SchemaShape(columns.Values);
    }
}

/// <summary><c>mlContext.Transforms.ExtractDcganFeatures(...)</c> and <c>mlContext.Transforms.ClassifyWithDcgan(...)</c>.</summary>
public static class DcganCatalog
{
    /// <summary>
    /// Featurizes images with an exported DCGAN discriminator: <paramref name="inputColumnName"/> is an image of the model's
    /// size (use <c>ResizeImages</c>) or a planar 0..255 pixel vector; <paramref name="outputColumnName"/> receives the
    /// paper's features (every conv layer max-pooled to 4x4, concatenated).
    /// </summary>
    public static DcganFeaturizerEstimator ExtractDcganFeatures(this TransformsCatalog catalog, string modelPath,
        string outputColumnName = "Features", string inputColumnName = "Image", int batchSize = 64, string? scoreColumnName = null) =>
        catalog.ExtractDcganFeatures(new DcganFeaturizerOptions
        {
            ModelPath = modelPath, OutputColumnName = outputColumnName, InputColumnName = inputColumnName, BatchSize = batchSize, ScoreColumnName = scoreColumnName,
        });

    /// <summary>
    /// Classifies images with the K-class discriminator of a semi-supervised or supervised-only run: per-class
    /// probabilities to <paramref name="scoreColumnName"/>, the most probable class (a key over the model's class names)
    /// to <paramref name="predictedLabelColumnName"/>.
    /// </summary>
    public static DcganClassifierEstimator ClassifyWithDcgan(this TransformsCatalog catalog, string modelPath, string inputColumnName = "Image",
        string predictedLabelColumnName = "PredictedLabel", string scoreColumnName = "Score", int batchSize = 64) =>
        catalog.ClassifyWithDcgan(new DcganClassifierOptions
        {
            ModelPath = modelPath, InputColumnName = inputColumnName, PredictedLabelColumnName = predictedLabelColumnName, ScoreColumnName = scoreColumnName, BatchSize = batchSize,
        });

    /// <summary>Classifies images with a K-class discriminator, with every option.</summary>
    public static DcganClassifierEstimator ClassifyWithDcgan(this TransformsCatalog catalog, DcganClassifierOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog), options);

    /// <summary>
    /// Registers the ML.NET components that a saved pipeline with the featurizer or classifier uses (image transforms,
    /// ONNX scoring, expressions, MlnetGan's argmax mapping), so <c>mlContext.Model.Load</c> finds them in a process that
    /// has not touched them yet.
    /// </summary>
    public static void RegisterDcganComponents(this ComponentCatalog catalog)
    {
        catalog.RegisterAssembly(typeof(DcganCatalog).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.Image.ImagePixelExtractingTransformer).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.Onnx.OnnxTransformer).Assembly);
        catalog.RegisterAssembly(typeof(Microsoft.ML.Transforms.ExpressionTransformer).Assembly);
    }

    /// <summary>Featurizes images with an exported DCGAN discriminator, with every option.</summary>
    public static DcganFeaturizerEstimator ExtractDcganFeatures(this TransformsCatalog catalog, DcganFeaturizerOptions options) =>
        new(MlNetInternals.EnvironmentOf(catalog), options);
}
