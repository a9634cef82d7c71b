using MlnetGan.Data;
using MlnetGan.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Onnx;

/// <summary>Options of <see cref="RunExport.Export"/>.</summary>
public sealed record RunExportOptions
{
    /// <summary>A checkpoint folder of the run; null for the latest.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Where the BatchNorm statistics come from.</summary>
    public BatchNormSource BatchNormStatistics { get; init; } = BatchNormSource.Running;

    /// <summary>Training batches averaged when recomputing BatchNorm statistics.</summary>
    public int BatchNormBatches { get; init; } = 50;

    /// <summary>
    /// Training images for recomputing BatchNorm statistics; null loads the run's own dataset (its recorded source).
    /// </summary>
    public ImageDataset? Images { get; init; }

    /// <summary>Device for recomputing statistics.</summary>
    public Device? Device { get; init; }
}

/// <summary>Exports the discriminator of a training run's checkpoint, with the run's provenance in the metadata.</summary>
public static class RunExport
{
    /// <summary>
    /// Loads the checkpoint (default: the run's latest), checks that it is intact, belongs to the run and fits the run's configuration, optionally
    /// recomputes BatchNorm statistics, and writes the ONNX model to <paramref name="outputPath"/> atomically.
    /// Returns the checkpoint's state.
    /// </summary>
    public static CheckpointState Export(RunFolder run, string outputPath, RunExportOptions? options = null)
    {
        options ??= new RunExportOptions();
        var config = run.ReadConfig();
        // The metadata's provenance comes from the run's config, so the checkpoint must be the run's own.
        var checkpoint = new CheckpointStore(run).ForExport(options.Checkpoint, config);
        var recipe = options.BatchNormStatistics == BatchNormSource.Recompute
            ? BatchNormRecipe.Recompute(options.BatchNormBatches, config.Training.BatchSize)
            : BatchNormRecipe.Running;
        using var discriminator = new DcganDiscriminator(config.Model);
        var state = CheckpointStore.Load(checkpoint, null, discriminator);
        if (recipe.IsRecomputed)
        {
            var images = options.Images ?? DatasetLoader.Load(config.Dataset.Source, new DatasetLoadOptions
            {
                ImageSize = config.Model.ImageSize, Channels = config.Model.Channels, BuiltinSeed = (int)(config.Training.Seed & 0x7FFFFFFF),
            }).Train;
            var device = options.Device ?? CPU;
            discriminator.to(device);
            BatchNormStatistics.Recompute(discriminator, images, recipe, config.Training.Seed, device);
            discriminator.to(CPU);
        }
        discriminator.eval();
        long stepsPerEpoch = Math.Max(1, config.Dataset.TrainCount / config.Training.BatchSize);
        DiscriminatorOnnxExporter.Export(discriminator, new OnnxExportInfo
        {
            Dataset = config.Dataset.Source,
            Mode = config.Mode,
            ClassNames = config.Dataset.ClassNames,
            Epochs = (double)state.Step / stepsPerEpoch,
            Step = state.Step,
            Seed = config.Training.Seed,
            BatchNormStatistics = recipe,
        }, outputPath);
        return state;
    }
}
