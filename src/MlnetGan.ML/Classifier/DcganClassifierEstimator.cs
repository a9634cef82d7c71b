using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>
/// Classifies images with the K-class discriminator of a semi-supervised (or supervised-only) run, the way an ML.NET
/// multiclass trainer scores: <see cref="DcganClassifierOptions.ScoreColumnName"/> gets the class probabilities and
/// <see cref="DcganClassifierOptions.PredictedLabelColumnName"/> the argmax as a key over the model's class names, so
/// <c>mlContext.MulticlassClassification.Evaluate</c> works on the output. Nothing is trained: <see cref="Fit"/> only
/// binds the model. The fitted pipeline is the DCGAN featurizer (serving the ONNX <c>probabilities</c> output), an argmax
/// custom mapping and ML.NET's value-to-key mapping; it saves with <c>mlContext.Model.Save</c> and loads back after
/// <c>mlContext.ComponentCatalog.RegisterDcganComponents()</c>.
/// </summary>
public sealed class DcganClassifierEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private const string FeaturesColumn = "__mlnetgan_features";
    private const string ClassIndexColumn = ArgMaxMapping.OutputColumn;
    private const string ClassNameColumn = "__mlnetgan_class_name";

    private readonly TransformsCatalog transforms;
    private readonly DataOperationsCatalog data;
    private readonly IEstimator<ITransformer> pipeline;

    internal DcganClassifierEstimator(IHostEnvironment environment, DcganClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ScoreColumnName)) throw new ArgumentException("ScoreColumnName is empty", nameof(options));
        if (string.IsNullOrWhiteSpace(options.PredictedLabelColumnName)) throw new ArgumentException("PredictedLabelColumnName is empty", nameof(options));
        (transforms, data) = MlNetInternals.CatalogsOf(environment);
        var featurizer = new DcganFeaturizerEstimator(environment, new DcganFeaturizerOptions
        {
            ModelPath = options.ModelPath, InputColumnName = options.InputColumnName, OutputColumnName = FeaturesColumn, ScoreColumnName = options.ScoreColumnName,
            BatchSize = options.BatchSize, GpuDeviceId = options.GpuDeviceId, FallbackToCpu = options.FallbackToCpu,
        });
        var info = featurizer.ModelInfo;
        if (info.ScoreLength < 2 || info.ClassNames.Count != info.ScoreLength)
            throw new ArgumentException($"{options.ModelPath}: is a {info.Mode?.Name() ?? "unknown"} discriminator with {info.ScoreLength} score output(s) and {info.ClassNames.Count} class names; " +
                "classifying needs the K-class discriminator of a semi-supervised or supervised run", nameof(options));
        if (info.ClassNames.Distinct().Count() != info.ClassNames.Count)
            throw new ArgumentException($"{options.ModelPath}: class names are not distinct ({string.Join(", ", info.ClassNames)})", nameof(options));
        ClassNames = info.ClassNames;
        pipeline = featurizer
            .Append(transforms.CopyColumns(ArgMaxMapping.InputColumn, options.ScoreColumnName))
            .Append(transforms.CustomMapping(new ArgMaxMapping().GetMapping(), ArgMaxMapping.ContractName))
            .Append(transforms.Conversion.MapValue(ClassNameColumn, ClassNames.Select((name, index) => new KeyValuePair<float, string>(index, name)), ClassIndexColumn))
            .Append(MapClassNameToKey(options.PredictedLabelColumnName, ClassNameColumn))
            .Append(transforms.DropColumns(FeaturesColumn, ArgMaxMapping.InputColumn, ClassIndexColumn, ClassNameColumn));
    }

    /// <summary>The model's class names, in class-index order (key 1 is the first).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Maps a column of class names (for example the true labels) to keys that match <c>PredictedLabel</c>'s, so the
    /// evaluator compares like with like. A name the model does not know maps to the missing key.
    /// </summary>
    public IEstimator<ITransformer> MapClassNameToKey(string outputColumnName, string inputColumnName) =>
        transforms.Conversion.MapValueToKey(outputColumnName, inputColumnName,
            keyData: data.LoadFromEnumerable(ClassNames.Select(name => new ClassNameRow { Name = name })));

    /// <inheritdoc />
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        var fitted = pipeline.Fit(input);
        return fitted as TransformerChain<ITransformer> ?? new TransformerChain<ITransformer>(fitted);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => pipeline.GetOutputSchema(inputSchema);

    private sealed class ClassNameRow
    {
        public string Name { get; set; } = "";
    }
}

/// <summary>
/// The argmax of a probability vector as a float class index: the custom mapping inside a fitted
/// <see cref="DcganClassifierEstimator"/>, found by its contract name when a saved pipeline loads.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ArgMaxMapping : CustomMappingFactory<ArgMaxMapping.Input, ArgMaxMapping.Output>
{
    /// <summary>The contract name saved models refer to.</summary>
    public const string ContractName = "MlnetGan.ArgMax";

    internal const string InputColumn = "__mlnetgan_probabilities";
    internal const string OutputColumn = "__mlnetgan_class_index";

    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => (input, output) =>
    {
        var values = input.Probabilities;
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        output.ClassIndex = values.Length == 0 ? float.NaN : best;
    };

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>Class probabilities (any length).</summary>
        [ColumnName(InputColumn), VectorType]
        public float[] Probabilities { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>Index of the largest probability (first on ties).</summary>
        [ColumnName(OutputColumn)]
        public float ClassIndex { get; set; }
    }
}
