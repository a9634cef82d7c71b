using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms.Image;

namespace MlnetGan.ML;

/// <summary>
/// Featurizes images with an exported DCGAN discriminator: appends the paper's feature vector (and optionally the
/// score or class probabilities) to each row. <see cref="Transform"/> is lazy: its cursors pull rows in batches of
/// <see cref="DcganFeaturizerOptions.BatchSize"/> and run ONNX Runtime once per batch. A <c>PredictionEngine</c> runs it
/// row by row. Saving delegates to ML.NET's own <c>ExtractPixels</c> + <c>ApplyOnnxModel</c> with the model bytes
/// embedded, so a saved pipeline loads anywhere ML.NET does and gives the same features (without the batching).
/// </summary>
public sealed class DcganFeaturizerTransformer : ITransformer, IDisposable
{
    private readonly IHostEnvironment environment;
    private readonly byte[] model;
    private readonly DataViewSchema inputSchema;
    private ITransformer? stockEquivalent;

    internal DcganFeaturizerTransformer(IHostEnvironment environment, DcganFeaturizerOptions options, byte[] model, DcganModelInfo info, DataViewSchema inputSchema)
    {
        this.environment = environment;
        this.model = model;
        this.inputSchema = inputSchema;
        Options = options;
        ModelInfo = info;
        InputColumnCheck.Check(inputSchema, options.InputColumnName, info);
        using var channel = environment.Start("DcganFeaturizer");
        Session = new DcganOnnxSession(model, info, options.GpuDeviceId, options.FallbackToCpu ?? false, message => channel.Warning(MessageSensitivity.None, message));
    }

    /// <summary>The options the transformer was fitted with.</summary>
    public DcganFeaturizerOptions Options { get; }

    /// <summary>What the model expects and returns.</summary>
    public DcganModelInfo ModelInfo { get; }

    /// <summary>The ONNX Runtime session (CPU or CUDA).</summary>
    public DcganOnnxSession Session { get; }

    internal bool HasScore => Options.ScoreColumnName is not null;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        InputColumnCheck.Check(inputSchema, Options.InputColumnName, ModelInfo);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(AddedColumns(Options, ModelInfo));
        return builder.ToSchema();
    }

    /// <summary>The columns the featurizer appends: the features, and the score when asked for.</summary>
    internal static DataViewSchema AddedColumns(DcganFeaturizerOptions options, DcganModelInfo info)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, info.FeatureLength));
        if (options.ScoreColumnName is not null) builder.AddColumn(options.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, info.ScoreLength), NameAnnotations.OfScore(info));
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new FeaturizedDataView(this, input);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new FeaturizingRowMapper(this, inputSchema);

    /// <summary>Saves as the equivalent stock ML.NET transformers (see the class remarks).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)StockEquivalent()).Save(ctx);

    /// <summary>
    /// The same computation with ML.NET's stock transforms: pixels scaled to the model's range (ExtractPixels for images,
    /// an Expression for 0..255 vectors), ApplyOnnxModel over the embedded model bytes, and the output renamed.
    /// </summary>
    internal ITransformer StockEquivalent()
    {
        if (stockEquivalent is not null) return stockEquivalent;
        var info = ModelInfo;
        var transforms = MlNetInternals.CatalogsOf(environment).Transforms;
        string source = Options.InputColumnName;
        var temporary = new List<string>();
        string Temp(string name) { var n = $"__mlnetgan_{name}"; temporary.Add(n); return n; }
        IEstimator<ITransformer> chain;
        if (inputSchema[source].Type is ImageDataViewType)
        {
            var pixelsFrom = source;
            chain = new EstimatorChain<ITransformer>();
            if (info.Channels == 1)
            {
                pixelsFrom = Temp("gray");
                chain = chain.Append(transforms.ConvertToGrayscale(pixelsFrom, source));
            }
            chain = chain.Append(transforms.ExtractPixels(info.InputName, pixelsFrom,
                colorsToExtract: info.Channels == 3 ? ImagePixelExtractingEstimator.ColorBits.Rgb : ImagePixelExtractingEstimator.ColorBits.Red,
                interleavePixelColors: false, offsetImage: info.Pixels.ByteOffset, scaleImage: info.Pixels.Scale));
        }
        else
        {
            chain = transforms.Expression(info.InputName, info.Pixels.FromByteExpression, source);
        }
        if (!inputSchema.Any(c => c.Name == info.InputName)) temporary.Add(info.InputName);
        var outputs = HasScore ? new[] { info.FeatureOutputName, info.ScoreOutputName! } : [info.FeatureOutputName];
        // The device the session really got: a CUDA request that fell back to the CPU must not fail here.
        bool onCpu = Session.Device == "cpu";
        // ApplyOnnxModel takes the context's GpuDeviceId when given none, and ML.NET does not fall back from a CPU-only
        // ONNX Runtime (EntryPointNotFoundException): a session that fell back builds its ONNX step in a context without one.
        var onnxTransforms = onCpu && MlNetInternals.DeviceSettingsOf(environment).GpuDeviceId is not null ? new MLContext().Transforms : transforms;
        chain = chain.Append(onnxTransforms.ApplyOnnxModel(outputs, [info.InputName], new MemoryStream(model), onCpu ? null : Options.GpuDeviceId, !onCpu && (Options.FallbackToCpu ?? false)));
        // ML.NET types the [batch, length] outputs as vectors of shape [1, length]; a trainer fitted on this transformer's
        // flat [length] vectors refuses those after loading. An identity Expression gives the flat vector (and the name);
        // Concatenate and CopyColumns keep the [1, length] shape.
        var renames = new List<InputOutputColumnPair> { new(Options.OutputColumnName, info.FeatureOutputName) };
        if (HasScore) renames.Add(new(Options.ScoreColumnName!, info.ScoreOutputName!));
        foreach (var rename in renames) chain = chain.Append(transforms.Expression(rename.OutputColumnName, "x => x", rename.InputColumnName));
        temporary.AddRange(outputs.Where(o => o != Options.OutputColumnName && o != Options.ScoreColumnName && !inputSchema.Any(c => c.Name == o)));
        if (temporary.Count > 0) chain = chain.Append(transforms.DropColumns(temporary.Distinct().ToArray()));
        stockEquivalent = chain.Fit(new EmptyDataView(inputSchema));
        return stockEquivalent;
    }

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
