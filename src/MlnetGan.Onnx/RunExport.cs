using MlnetGan.Gan;

namespace MlnetGan.Onnx;

/// <summary>Exports the discriminator of a training run's checkpoint, with the run's provenance in the metadata.</summary>
public static class RunExport
{
    /// <summary>
    /// Loads <paramref name="checkpoint"/> (default: the run's latest), checks that it fits the run's configuration, and
    /// writes the ONNX model to <paramref name="outputPath"/> atomically. Returns the checkpoint's state.
    /// </summary>
    public static CheckpointState Export(RunFolder run, string outputPath, string? checkpoint = null)
    {
        var config = run.ReadConfig();
        checkpoint ??= new CheckpointStore(run).LatestPathOrNull() ?? throw new RunException(run.CheckpointsPath, "holds no checkpoint to export");
        using var discriminator = new DcganDiscriminator(config.Model);
        var state = CheckpointStore.Load(checkpoint, null, discriminator);
        discriminator.eval();
        long stepsPerEpoch = Math.Max(1, config.Dataset.TrainCount / config.Training.BatchSize);
        DiscriminatorOnnxExporter.Export(discriminator, new OnnxExportInfo
        {
            Dataset = config.Dataset.Source,
            ClassNames = config.Dataset.ClassNames,
            Epochs = (double)state.Step / stepsPerEpoch,
            Step = state.Step,
            Seed = config.Training.Seed,
            BatchNormStatistics = "running",
        }, outputPath);
        return state;
    }
}
