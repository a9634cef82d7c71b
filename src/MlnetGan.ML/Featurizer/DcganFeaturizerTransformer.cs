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
    private readonly byte[] model;
    private readonly DataViewSchema inputSchema;
    private ITransformer? stockEquivalent;

    internal DcganFeaturizerTransformer(IHostEnvironment environment, DcganFeaturizerOptions options, byte[] model, DcganModelInfo info, DataViewSchema inputSchema)
    {
        this.model = model;
        this.inputSchema = inputSchema;
        Options = options;
        ModelInfo = info;
        CheckInputColumn(inputSchema, options, info);
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
        CheckInputColumn(inputSchema, Options, ModelInfo);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(Options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, ModelInfo.FeatureLength));
        if (HasScore) builder.AddColumn(Options.ScoreColumnName!, new VectorDataViewType(NumberDataViewType.Single, ModelInfo.ScoreLength), NameAnnotations.OfScore(ModelInfo));
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
        var context = new MLContext();
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
                chain = chain.Append(context.Transforms.ConvertToGrayscale(pixelsFrom, source));
            }
            chain = chain.Append(context.Transforms.ExtractPixels(info.InputName, pixelsFrom,
                colorsToExtract: info.Channels == 3 ? ImagePixelExtractingEstimator.ColorBits.Rgb : ImagePixelExtractingEstimator.ColorBits.Red,
                interleavePixelColors: false, offsetImage: info.Pixels.ByteOffset, scaleImage: info.Pixels.Scale));
        }
        else
        {
            chain = context.Transforms.Expression(info.InputName, info.Pixels.FromByteExpression, source);
        }
        if (!inputSchema.Any(c => c.Name == info.InputName)) temporary.Add(info.InputName);
        var outputs = HasScore ? new[] { info.FeatureOutputName, info.ScoreOutputName! } : [info.FeatureOutputName];
        // The device the session really got: a CUDA request that fell back to the CPU must not fail here.
        bool onCpu = Session.Device == "cpu";
        chain = chain.Append(context.Transforms.ApplyOnnxModel(outputs, [info.InputName], new MemoryStream(model), onCpu ? null : Options.GpuDeviceId, !onCpu && (Options.FallbackToCpu ?? false)));
        // ML.NET types the [batch, length] outputs as vectors of shape [1, length]; a trainer fitted on this transformer's
        // flat [length] vectors refuses those after loading. An identity Expression gives the flat vector (and the name);
        // Concatenate and CopyColumns keep the [1, length] shape.
        var renames = new List<InputOutputColumnPair> { new(Options.OutputColumnName, info.FeatureOutputName) };
        if (HasScore) renames.Add(new(Options.ScoreColumnName!, info.ScoreOutputName!));
        foreach (var rename in renames) chain = chain.Append(context.Transforms.Expression(rename.OutputColumnName, "x => x", rename.InputColumnName));
        temporary.AddRange(outputs.Where(o => o != Options.OutputColumnName && o != Options.ScoreColumnName && !inputSchema.Any(c => c.Name == o)));
        if (temporary.Count > 0) chain = chain.Append(context.Transforms.DropColumns(temporary.Distinct().ToArray()));
        stockEquivalent = chain.Fit(new EmptyDataView(inputSchema));
        return stockEquivalent;
    }

    /// <summary>Checks the input column's type, naming it and what is expected.</summary>
    internal static void CheckInputColumn(DataViewSchema schema, DcganFeaturizerOptions options, DcganModelInfo info)
    {
        var name = options.InputColumnName;
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"DCGAN featurizer: input column '{name}' not found (columns: {string.Join(", ", schema.Select(c => c.Name))})");
        switch (column.Type)
        {
            case ImageDataViewType image:
                if (image.Height > 0 && (image.Height != info.ImageSize || image.Width != info.ImageSize))
                    throw new ArgumentOutOfRangeException(nameof(schema),
                        $"DCGAN featurizer: column '{name}' holds {image.Width}x{image.Height} images but the model expects {info.ImageSize}x{info.ImageSize}; add mlContext.Transforms.ResizeImages before the featurizer");
                break;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single:
                if (vector.Size != info.PixelCount)
                    throw new ArgumentOutOfRangeException(nameof(schema),
                        $"DCGAN featurizer: column '{name}' is a vector of {(vector.Size == 0 ? "unknown size" : vector.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))}; the model expects {info.PixelCount} pixels ({info.Channels}x{info.ImageSize}x{info.ImageSize}, planar, 0..255)");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"DCGAN featurizer: column '{name}' has type {column.Type}; expected an image (LoadImages/ResizeImages) or a vector of Single pixels");
        }
    }

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
