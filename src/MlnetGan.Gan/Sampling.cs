using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Images from a trained generator: random samples and the paper's "walk in the latent space".</summary>
public static class Sampling
{
    /// <summary>Loads the generator of a run's checkpoint (default: the latest) on the CPU.</summary>
    public static DcganGenerator LoadGenerator(RunFolder run, string? checkpoint = null)
    {
        var config = run.ReadConfig();
        checkpoint ??= new CheckpointStore(run).LatestPathOrNull() ?? throw new RunException(run.CheckpointsPath, "holds no checkpoint to sample from");
        var generator = new DcganGenerator(config.Model);
        CheckpointStore.Load(checkpoint, generator, null);
        return generator;
    }

    /// <summary>PNG bytes of a grid of <paramref name="count"/> samples G(z), z ~ N(0, 1) from <paramref name="seed"/>.</summary>
    public static byte[] SampleGrid(DcganGenerator generator, int count, long seed)
    {
        using var scope = NewDisposeScope();
        var noise = DcganTrainer.Noise(seed, RandomStream.SampleGrid, 0, count, generator.Config.Nz, CPU);
        return Grid(generator, noise, columns: (int)Math.Ceiling(Math.Sqrt(count)));
    }

    /// <summary>
    /// <paramref name="count"/> samples G(z), z ~ N(0, 1) from <paramref name="seed"/>, as an unlabelled dataset with
    /// <paramref name="classNames"/> (for judging them with a classifier of the real classes). G runs in training mode on
    /// batches of <paramref name="batchSize"/>, as it did in training.
    /// </summary>
    public static ImageDataset SampleDataset(DcganGenerator generator, int count, long seed, int batchSize, IReadOnlyList<string> classNames)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be positive");
        var c = generator.Config;
        int length = c.Channels * c.ImageSize * c.ImageSize;
        var pixels = new byte[(long)count * length];
        using var noGrad = no_grad();
        generator.train();
        for (int start = 0, batch = 0; start < count; start += batchSize, batch++)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batchSize, count - start);
            var images = generator.forward(DcganTrainer.Noise(seed, RandomStream.SampleDataset, batch, n, c.Nz, CPU));
            TensorImages.ToBytes(images).CopyTo(pixels, (long)start * length);
        }
        return new ImageDataset(pixels, Enumerable.Repeat(ImageDataset.Unlabeled, count).ToArray(), c.Channels, c.ImageSize, c.ImageSize, classNames, "generated");
    }

    /// <summary>
    /// PNG bytes of <paramref name="rows"/> interpolation strips: each walks linearly from one random z to another in
    /// <paramref name="steps"/> images, showing how the generated image changes smoothly (the DCGAN paper's section 6.1).
    /// </summary>
    public static byte[] InterpolationStrip(DcganGenerator generator, int rows, int steps, long seed)
    {
        using var scope = NewDisposeScope();
        var ends = DcganTrainer.Noise(seed, RandomStream.Interpolation, 0, 2 * rows, generator.Config.Nz, CPU);
        var alphas = linspace(0, 1, steps).reshape(1, steps, 1, 1, 1);
        var start = ends.narrow(0, 0, rows).unsqueeze(1);
        var end = ends.narrow(0, rows, rows).unsqueeze(1);
        var path = start.lerp(end, alphas).reshape(rows * steps, generator.Config.Nz, 1, 1);
        return Grid(generator, path, columns: steps);
    }

    private static byte[] Grid(DcganGenerator generator, Tensor noise, int columns)
    {
        using var noGrad = no_grad();
        generator.train(); // batch statistics, as during training (G's running statistics are not used)
        var images = generator.forward(noise);
        var c = generator.Config;
        return ImageGrid.EncodePng(TensorImages.ToBytes(images), (int)noise.shape[0], c.Channels, c.ImageSize, columns);
    }
}
