using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Uses a K-class discriminator (semi-supervised or supervised-only run) as a classifier.</summary>
public static class DiscriminatorClassifier
{
    /// <summary>The predicted class (argmax of the logits) of every image of <paramref name="images"/>, D in eval mode.</summary>
    public static int[] Predict(DcganDiscriminator discriminator, ImageDataset images, Device device, int batchSize = 256)
    {
        if (discriminator.Config.NumClasses < 2)
            throw new ArgumentException("this discriminator has a single real/fake logit; only a semi-supervised or supervised-only run classifies");
        discriminator.eval();
        var predictions = new int[images.Count];
        using var noGrad = no_grad();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, images.Count - start);
            var logits = discriminator.forward(TensorImages.ToModelRange(TensorImages.Batch(images, start, count, device)));
            var classes = logits.argmax(1).to(CPU).data<long>().ToArray();
            for (int i = 0; i < count; i++) predictions[start + i] = (int)classes[i];
        }
        return predictions;
    }

    /// <summary>
    /// Measures the classification accuracy of <paramref name="run"/>'s latest discriminator on the labelled images of
    /// <paramref name="test"/> (a held-out split: never used in training) and writes it to the run's test-accuracy.json.
    /// With <paramref name="batchNorm"/> D's BatchNorm statistics are first recomputed from real training images (see
    /// <see cref="BatchNormStatistics.Recompute"/>); otherwise D uses its running statistics.
    /// </summary>
    public static TestAccuracy MeasureRun(RunFolder run, ImageDataset test, Device device, BatchNormRecomputation? batchNorm = null)
    {
        var config = run.ReadConfig();
        var checkpoint = new CheckpointStore(run).LatestPathOrNull() ?? throw new RunException(run.CheckpointsPath, "holds no checkpoint to measure");
        using var discriminator = new DcganDiscriminator(config.Model);
        var state = CheckpointStore.Load(checkpoint, null, discriminator);
        discriminator.to(device);
        var recipe = batchNorm is null ? BatchNormRecipe.Running : BatchNormRecipe.Recompute(batchNorm.Batches, config.Training.BatchSize);
        if (batchNorm is not null) BatchNormStatistics.Recompute(discriminator, batchNorm.Images, recipe, config.Training.Seed, device);
        var result = new TestAccuracy(config.Mode, config.Training.LabelsPerClass, state.Step, test.Labels.Count(l => l != ImageDataset.Unlabeled), Accuracy(discriminator, test, device),
            recipe.ToString());
        AtomicFile.WriteAllText(run.TestAccuracyPath, System.Text.Json.JsonSerializer.Serialize(result, RunFolder.Json));
        return result;
    }

    /// <summary>The fraction of the labelled images of <paramref name="images"/> that D classifies correctly.</summary>
    public static double Accuracy(DcganDiscriminator discriminator, ImageDataset images, Device device)
    {
        var predictions = Predict(discriminator, images, device);
        int labelled = 0, correct = 0;
        for (int i = 0; i < images.Count; i++)
        {
            if (images.Labels[i] == ImageDataset.Unlabeled) continue;
            labelled++;
            if (predictions[i] == images.Labels[i]) correct++;
        }
        if (labelled == 0) throw new ArgumentException($"{images.Source}: no labelled images to measure accuracy on");
        return correct / (double)labelled;
    }
}

/// <summary>
/// A K-class discriminator's accuracy on a held-out test split, as saved in a run's test-accuracy.json; its
/// BatchNormStatistics are <see cref="BatchNormRecipe"/>'s short form (<c>running</c> or <c>recompute:N</c>).
/// </summary>
public sealed record TestAccuracy(DiscriminatorMode Mode, int LabelsPerClass, long Step, int TestImages, double Accuracy, string BatchNormStatistics);

/// <summary>Recompute a discriminator's BatchNorm statistics from <paramref name="Batches"/> batches of the real training <paramref name="Images"/>.</summary>
public sealed record BatchNormRecomputation(ImageDataset Images, int Batches);
