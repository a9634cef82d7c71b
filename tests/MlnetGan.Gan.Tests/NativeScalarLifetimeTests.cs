using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

/// <summary>
/// TorchSharp turns a .NET number passed to an operation into a native Scalar that only the garbage collector frees. A
/// collection while the operation runs (another thread allocating is enough; the trainer's batch reader does) could free
/// it mid-call: a demo run died in D's LeakyReLU with "toFloat ... Expected false to be true". These training steps run
/// while another thread allocates about as fast as it can, so collections are due all the time (before the steps held
/// collections off with <see cref="CollectionPause"/>, they failed in 3 of 4 runs here).
/// </summary>
public class NativeScalarLifetimeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingStepsSurviveGarbageCollectionsOnAnotherThread(bool semiSupervised)
    {
        var config = new DcganConfig { Ngf = 8, Ndf = 8, Nz = 16, NumClasses = semiSupervised ? 10 : 0 };
        var images = BuiltinShapes.GenerateSplit(seed: 0, split: 0, count: 32, size: 32, channels: 3);
        using var g = new DcganGenerator(config);
        using var d = new DcganDiscriminator(config);
        using var optimizerG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
        using var optimizerD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
        d.Regularization = new DiscriminatorRegularization(InputNoise: 0.1, Dropout: 0.2);
        d.SeedRegularization(1);
        ITrainingStep step = semiSupervised
            ? new SemiSupervisedStep(g, d, optimizerG, optimizerD, GeneratorLossKind.FeatureMatching)
            : new DcganStep(g, d, optimizerG, optimizerD, realLabel: 0.9);
        using var real = TensorImages.ToModelRange(TensorImages.DatasetTensor(images, CPU));
        using var labels = tensor(images.Labels.Select(l => (long)l).ToArray());
        bool stop = false;
        var collector = new Thread(() =>
        {
            var garbage = new byte[64][];
            for (long k = 0; !Volatile.Read(ref stop); k++)
            {
                garbage[k % garbage.Length] = new byte[100_000];
                Thread.Sleep(1);
            }
        });
        collector.Start();
        try
        {
            for (int i = 0; i < 400; i++)
            {
                using var noise = randn(32, config.Nz, 1, 1);
                var losses = step.Run(new StepBatches(() => real, () => noise, () => (real, labels)));
                Assert.True(double.IsFinite(losses.LossD) && double.IsFinite(losses.LossG), $"step {i}: loss_D {losses.LossD}, loss_G {losses.LossG}");
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
