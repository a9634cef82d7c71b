using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MlnetGan.ML;

/// <summary>
/// Estimator for <see cref="DcganFeaturizerTransformer"/>: loads the discriminator's description at construction (a
/// missing or invalid model fails here, naming the file) and checks the input column at <see cref="GetOutputSchema"/>
/// and <see cref="Fit"/>. It keeps its own copy of the options, with the context's GPU settings filled in.
/// </summary>
public sealed class DcganFeaturizerEstimator : IEstimator<DcganFeaturizerTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly byte[] model;

    /// <summary>Creates the estimator (also reached as <c>mlContext.Transforms.ExtractDcganFeatures</c>).</summary>
    /// <param name="context">The ML.NET context whose log, seed and GPU settings the featurizer uses.</param>
    /// <param name="options">The model, the columns and the ONNX Runtime settings.</param>
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
        var (gpu, fallback) = MlNetInternals.DeviceSettingsOf(environment);
        Options = options with { GpuDeviceId = options.GpuDeviceId ?? gpu, FallbackToCpu = options.FallbackToCpu ?? fallback };
        model = DcganModelInfo.ReadModelBytes(options.ModelPath);
        ModelInfo = DcganModelInfo.Read(model, options.ModelPath, options.ImageSize, options.Channels);
        if (options.ScoreColumnName is not null && ModelInfo.ScoreOutputName is null)
            throw new ArgumentException($"{options.ModelPath}: has no score output for column '{options.ScoreColumnName}'", nameof(options));
    }

    /// <summary>The options the transformer will be fitted with: the caller's, with the context's GPU settings filled in.</summary>
    public DcganFeaturizerOptions Options { get; }

    /// <summary>What the model expects and returns.</summary>
    public DcganModelInfo ModelInfo { get; }

    /// <inheritdoc />
    public DcganFeaturizerTransformer Fit(IDataView input) => new(environment, Options, model, ModelInfo, input.Schema);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputColumnCheck.Check(inputSchema, Options.InputColumnName, ModelInfo);
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in MlNetInternals.ShapeOf(DcganFeaturizerTransformer.AddedColumns(Options, ModelInfo))) columns[c.Name] = c;
        return new SchemaShape(columns.Values);
    }
}
