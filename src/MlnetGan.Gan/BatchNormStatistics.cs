using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Where an exported discriminator's BatchNorm statistics come from.</summary>
public enum BatchNormSource
{
    /// <summary>The running averages kept during training (a blend of real and generated batches).</summary>
    Running,

    /// <summary>Recomputed as averages over batches of training images, as the DCGAN authors' feature code did.</summary>
    Recompute,
}

/// <summary>Recomputes a discriminator's BatchNorm statistics from training images.</summary>
public static class BatchNormStatistics
{
    /// <summary>
    /// Replaces every BatchNorm layer's running mean and variance with the average, over the recipe's number of seeded
    /// random batches of its batch size (at most every image), of the per-batch mean and (biased) variance of that
    /// layer's input, the network running as in training (earlier layers normalised by batch statistics). With one batch,
    /// eval mode then reproduces training mode on that batch exactly. Leaves the discriminator in eval mode.
    /// </summary>
    /// <param name="discriminator">The discriminator whose statistics are replaced.</param>
    /// <param name="images">The training images the batches are drawn from.</param>
    /// <param name="recipe">A recomputation with its batch count and batch size.</param>
    /// <param name="seed">Seed of the batches.</param>
    /// <param name="device">Where the discriminator and the images are.</param>
    public static void Recompute(DcganDiscriminator discriminator, ImageDataset images, BatchNormRecipe recipe, long seed, Device device)
    {
        if (recipe.Batches is not { } batches || recipe.BatchSize is not { } requested)
            throw new ArgumentException($"BatchNorm recipe '{recipe}' gives no batch count and batch size to recompute with", nameof(recipe));
        int batchSize = Math.Min(requested, images.Count);
        if (batchSize < 2) throw new ArgumentException("BatchNorm recomputation needs at least two images");
        var blocks = discriminator.Blocks;
        var means = new Tensor?[blocks.Count];
        var variances = new Tensor?[blocks.Count];
        discriminator.train();
        using (var noGrad = no_grad())
        using (var shuffle = new torch.Generator(SeedMixer.Mix(seed, (long)RandomStream.BatchNormRecomputation), CPU))
        {
            for (int n = 0; n < batches; n++)
            {
                using var scope = NewDisposeScope();
                var indices = randperm(images.Count, generator: shuffle).narrow(0, 0, batchSize).data<long>().ToArray();
                var x = TensorImages.ToModelRange(TensorImages.Gather(images, indices, device));
                for (int b = 0; b < blocks.Count; b++)
                {
                    var y = blocks[b].conv.forward(x);
                    if (blocks[b].bn is { } bn)
                    {
                        Accumulate(ref means[b], y.mean([0, 2, 3]));
                        Accumulate(ref variances[b], y.var([0L, 2, 3], unbiased: false));
                        y = bn.forward(y);
                    }
                    x = DiscriminatorBlock.Activate(y);
                }
            }
            for (int b = 0; b < blocks.Count; b++)
            {
                if (blocks[b].bn is not { } bn) continue;
                bn.running_mean!.copy_(means[b]!.div_(batches));
                bn.running_var!.copy_(variances[b]!.div_(batches));
                means[b]!.Dispose();
                variances[b]!.Dispose();
            }
        }
        discriminator.eval();
    }

    private static void Accumulate(ref Tensor? sum, Tensor value)
    {
        if (sum is null) sum = value.detach().clone().MoveToOuterDisposeScope();
        else sum.add_(value);
    }
}
