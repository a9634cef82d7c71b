using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class BatchNormStatisticsTests
{
    [Fact]
    public void OneWholeBatchMakesEvalModeEqualTrainingMode()
    {
        var config = new DcganConfig { Ndf = 16 };
        var images = BuiltinShapes.GenerateSplit(4, 0, 48, 32, 3);
        using var d = new DcganDiscriminator(config);
        using (var g = new Generator(3, CPU)) WeightInit.Apply(d, g);

        BatchNormStatistics.Recompute(d, images, BatchNormRecipe.Recompute(batches: 1, batchSize: images.Count), seed: 0, CPU);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = TensorImages.ToModelRange(TensorImages.DatasetTensor(images, CPU));
        var evalFeatures = d.Features(x);
        d.train();
        var trainFeatures = d.Features(x);
        Assert.True((evalFeatures - trainFeatures).abs().max().item<float>() < 1e-4f);
        // and the statistics are not the untouched defaults (mean 0, variance 1)
        Assert.True(d.Blocks[1].bn!.running_mean!.abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void StatisticsAverageTheBatches()
    {
        var config = new DcganConfig { Ndf = 8 };
        var images = BuiltinShapes.GenerateSplit(4, 0, 64, 32, 3);
        using var d = new DcganDiscriminator(config);
        using (var g = new Generator(3, CPU)) WeightInit.Apply(d, g);

        // Block 2's BatchNorm input does not depend on any other BatchNorm, so its mean over all 64 images is exact:
        // with batches that cover the dataset evenly the recomputed mean must approach it.
        BatchNormStatistics.Recompute(d, images, BatchNormRecipe.Recompute(batches: 40, batchSize: 32), seed: 1, CPU);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = TensorImages.ToModelRange(TensorImages.DatasetTensor(images, CPU));
        var exact = d.Blocks[1].conv.forward(d.Blocks[0].forward(x)).mean([0, 2, 3]);
        var recomputed = d.Blocks[1].bn!.running_mean!;
        Assert.True((exact - recomputed).abs().max().item<float>() < 0.1f * exact.abs().max().item<float>());
    }
}
