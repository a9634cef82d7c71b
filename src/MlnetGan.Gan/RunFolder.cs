using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MlnetGan.Data;

namespace MlnetGan.Gan;

/// <summary>
/// What a run was trained on, for provenance (the exporter copies it into the model's metadata) and as the fingerprint
/// that <c>--resume</c> checks: the source, the number of training images and, where the caller names them, the
/// dataset path as given (<c>--data</c>, made absolute) and its format.
/// </summary>
public sealed record DatasetInfo(string Source, int TrainCount, IReadOnlyList<string> ClassNames, string? DataPath = null, string? Format = null)
{
    /// <summary>
    /// Whether <paramref name="other"/> is the same dataset: the same source and image count, and the same path and
    /// format where both record them.
    /// </summary>
    public bool SameDataAs(DatasetInfo other) =>
        Source == other.Source && TrainCount == other.TrainCount
        && (DataPath is null || other.DataPath is null || DataPath == other.DataPath)
        && (Format is null || other.Format is null || Format == other.Format);

    /// <summary>The fingerprint in words, for messages.</summary>
    public string Describe() => $"{DataPath ?? Source} ({(Format is null ? "" : Format + ", ")}{TrainCount} training images)";
}

/// <summary>
/// The settings of a run, saved as <c>config.json</c> in its folder. <paramref name="RunId"/> identifies the run
/// (chosen when it starts, kept on resume, copied into every checkpoint's manifest); null in runs written before it existed.
/// </summary>
public sealed record RunConfig(DcganConfig Model, TrainingOptions Training, DatasetInfo Dataset, string MlnetGanVersion, string? RunId = null)
{
    /// <summary>What the run's discriminator learns (its <see cref="TrainingOptions.Mode"/>).</summary>
    [JsonIgnore]
    public DiscriminatorMode Mode => Training.Mode;
}

/// <summary>
/// The layout of one training run's folder: <c>config.json</c>, <c>metrics.csv</c>, <c>checkpoints/</c>, <c>samples/</c>,
/// and what the commands and notebooks write beside them: the exported discriminator, the evaluation report and the state
/// of a <c>paper</c> experiment.
/// </summary>
public sealed class RunFolder
{
    /// <summary>JSON settings used for every file of a run.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>How an error message names the setting that chooses a run folder (see <see cref="ISettingError"/>).</summary>
    public const string SettingName = nameof(RunFolder);

    /// <summary>A run folder at <paramref name="path"/> (not created until something is written).</summary>
    public RunFolder(string path) => Root = Path.GetFullPath(path);

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>The run's configuration (<c>config.json</c>): model, training options, dataset, mode.</summary>
    public string ConfigPath => Path.Combine(Root, "config.json");

    /// <summary>The training metrics, one CSV row per logged step (<c>metrics.csv</c>).</summary>
    public string MetricsPath => Path.Combine(Root, "metrics.csv");

    /// <summary>The checkpoint folders (<c>checkpoints/</c>).</summary>
    public string CheckpointsPath => Path.Combine(Root, "checkpoints");

    /// <summary>A K-class discriminator's measured test accuracy (<c>test-accuracy.json</c>).</summary>
    public string TestAccuracyPath => Path.Combine(Root, "test-accuracy.json");

    /// <summary>Image grids of generated samples (<c>samples/</c>).</summary>
    public string SamplesPath => Path.Combine(Root, "samples");


    /// <summary>The file name of the discriminator exported into the run folder.</summary>
    public const string DiscriminatorFileName = "discriminator.onnx";

    /// <summary>The discriminator exported at the end of training (<see cref="DiscriminatorFileName"/>).</summary>
    public string DiscriminatorPath => Path.Combine(Root, DiscriminatorFileName);

    /// <summary>The evaluation report of the run (results.json, report.md, report.html and the plots).</summary>
    public string ReportPath => Path.Combine(Root, "report");

    /// <summary>What a <c>paper</c> experiment has done so far (training time, stages finished), saved after every stage.</summary>
    public string PaperStatePath => Path.Combine(Root, "paper.json");

    /// <summary>The TensorBoard event files (<c>tensorboard --logdir</c> this folder or any folder above it).</summary>
    public string TensorBoardPath => Path.Combine(Root, "tensorboard");

    /// <summary>The sample grid of epoch <paramref name="epoch"/> (1-based).</summary>
    public string SamplePath(int epoch) => Path.Combine(SamplesPath, $"epoch-{epoch:D3}.png");

    /// <summary>True when the folder holds a run's config.</summary>
    public bool Exists => File.Exists(ConfigPath);

    /// <summary>
    /// Reads <c>config.json</c>, with an error naming the file when it is missing or malformed. A config without a
    /// resolved precision predates mixed precision: its run trained in float32.
    /// </summary>
    public RunConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath)) throw new RunException(ConfigPath, "not found: this folder holds no training run");
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(ConfigPath)) ?? throw new RunException(ConfigPath, "is empty");
            // Configs written before TrainingOptions.Mode name the mode at the top level (beside training.supervisedOnly).
            if (json is JsonObject { } root && root["training"] is JsonObject training && !training.ContainsKey("mode") && root["mode"] is JsonValue legacyMode)
                training["mode"] = legacyMode.DeepClone();
            var config = json.Deserialize<RunConfig>(Json) ?? throw new RunException(ConfigPath, "is empty");
            // JSON null for a whole section deserializes to null, whatever the record's annotations say.
            if (config.Model is null || config.Training is null || config.Dataset is null)
                throw new RunException(ConfigPath, "is not a valid run config (its model, training or dataset section is null)");
            return config.Training.Precision == TrainingPrecision.Auto ? config with { Training = config.Training with { Precision = TrainingPrecision.Fp32 } } : config;
        }
        catch (JsonException e)
        {
            throw new RunException(ConfigPath, $"is not a valid run config ({e.Message})", e);
        }
    }

    /// <summary>Writes <c>config.json</c> atomically.</summary>
    public void WriteConfig(RunConfig config) => AtomicFile.WriteAllText(ConfigPath, JsonSerializer.Serialize(config, Json));
}
