using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// The losses and discriminator outputs of one step. D(x) and D(G(z)) are mean probabilities of "real"; D(G(z)) is read
/// twice, as in PyTorch's DCGAN example (D_G_z1, D_G_z2): on D's update, and on G's, after D has moved.
/// </summary>
public readonly record struct StepLosses(double LossD, double LossG, double DReal, double DFakeBeforeUpdate, double DFakeAfterUpdate);

/// <summary>The batches of one step, each drawn from its own random stream the first time a step asks for it.</summary>
public sealed class StepBatches(Func<Tensor> real, Func<Tensor> noise, Func<(Tensor Images, Tensor Labels)>? labelled = null)
{
    private Tensor? realBatch, noiseBatch;
    private (Tensor Images, Tensor Labels)? labelledBatch;

    /// <summary>Unlabelled real images [N, C, S, S] in [-1, 1].</summary>
    public Tensor Real => realBatch ??= real();

    /// <summary>Latent noise z [N, nz, 1, 1].</summary>
    public Tensor Noise => noiseBatch ??= noise();

    /// <summary>Labelled real images in [-1, 1] and their class indices (semi-supervised and supervised modes).</summary>
    public (Tensor Images, Tensor Labels) Labelled => labelledBatch ??= (labelled ?? throw new InvalidOperationException("this run has no labelled images"))();
}

/// <summary>One optimisation step of a training mode.</summary>
public interface ITrainingStep
{
    /// <summary>Whether the mode trains a generator (a run writes sample grids only then).</summary>
    bool TrainsGenerator { get; }

    /// <summary>Updates the networks on <paramref name="batches"/> and returns the step's losses.</summary>
    StepLosses Run(StepBatches batches);
}

/// <summary>
/// The DCGAN step of the paper and of PyTorch's DCGAN example: (1) update D to maximise log D(x) + log(1 - D(G(z))),
/// (2) update G to maximise log D(G(z)). BCE on logits. <paramref name="realLabel"/> is D's target for real images
/// (below 1: one-sided label smoothing); G's target stays 1.
/// </summary>
public sealed class DcganStep(DcganGenerator netG, DcganDiscriminator netD, OptimizerHelper optimizerG, OptimizerHelper optimizerD, double realLabel = 1.0) : ITrainingStep
{
    /// <inheritdoc />
    public bool TrainsGenerator => true;

    /// <inheritdoc />
    public StepLosses Run(StepBatches batches) => Run(batches.Real, batches.Noise);

    /// <summary>The step on a real batch (already in [-1, 1]) and a noise batch.</summary>
    public StepLosses Run(Tensor real, Tensor noise)
    {
        using var pause = new CollectionPause();
        using var scope = NewDisposeScope();
        long n = real.shape[0];
        using var realTarget = realLabel.ToScalar(); // disposed here, not left to the finalizer (NativeScalarLifetimeTests)
        var realTargets = torch.full(n, 1, realTarget, device: real.device);
        var fakeTargets = torch.zeros(n, 1, device: real.device);
        var generatorTargets = torch.ones(n, 1, device: real.device);

        // (1) Update D: train with a real batch, then with a generated one.
        optimizerD.zero_grad();
        var output = netD.forward(real);
        var errDReal = nn.functional.binary_cross_entropy_with_logits(output, realTargets);
        errDReal.backward();
        var dX = output.sigmoid().mean();
        var fake = netG.forward(noise);
        output = netD.forward(fake.detach());
        var errDFake = nn.functional.binary_cross_entropy_with_logits(output, fakeTargets);
        errDFake.backward();
        var dGz1 = output.sigmoid().mean();
        var errD = errDReal + errDFake;
        optimizerD.step();

        // (2) Update G: fake labels are real for the generator cost.
        optimizerG.zero_grad();
        output = netD.forward(fake);
        var errG = nn.functional.binary_cross_entropy_with_logits(output, generatorTargets);
        errG.backward();
        var dGz2 = output.sigmoid().mean();
        optimizerG.step();

        return new StepLosses(errD.item<float>(), errG.item<float>(), dX.item<float>(), dGz1.item<float>(), dGz2.item<float>());
    }
}

/// <summary>
/// The semi-supervised step (Salimans et al. 2016): (1) update D on a labelled batch (cross-entropy over K classes), an
/// unlabelled real batch and a generated batch (the implicit fake class, see <see cref="SemiSupervisedLoss"/>);
/// (2) update G by feature matching on D's last block, or by the non-saturating loss. "D(x)" is Z / (Z + 1).
/// </summary>
public sealed class SemiSupervisedStep(DcganGenerator netG, DcganDiscriminator netD, OptimizerHelper optimizerG, OptimizerHelper optimizerD, GeneratorLossKind generatorLoss) : ITrainingStep
{
    /// <inheritdoc />
    public bool TrainsGenerator => true;

    /// <inheritdoc />
    public StepLosses Run(StepBatches batches)
    {
        using var pause = new CollectionPause();
        using var scope = NewDisposeScope();
        var (labelledImages, labels) = batches.Labelled;
        var real = batches.Real;

        // (1) Update D: labelled, unlabelled and generated images in one loss.
        optimizerD.zero_grad();
        var labelledLogits = netD.forward(labelledImages);
        var realLogits = netD.forward(real);
        var fake = netG.forward(batches.Noise);
        var fakeLogits = netD.forward(fake.detach());
        var errD = SemiSupervisedLoss.Discriminator(labelledLogits, labels, realLogits, fakeLogits);
        errD.backward();
        optimizerD.step();

        // (2) Update G.
        optimizerG.zero_grad();
        var (fakeLogitsAfter, fakeActivations) = netD.ForwardWithActivations(fake);
        Tensor errG;
        if (generatorLoss == GeneratorLossKind.FeatureMatching)
        {
            Tensor realFeatures;
            using (no_grad()) realFeatures = netD.ForwardWithActivations(real).Activations[^1];
            errG = SemiSupervisedLoss.GeneratorFeatureMatching(realFeatures, fakeActivations[^1]);
        }
        else
        {
            errG = SemiSupervisedLoss.GeneratorNonSaturating(fakeLogitsAfter);
        }
        errG.backward();
        optimizerG.step();

        return new StepLosses(errD.item<float>(), errG.item<float>(),
            SemiSupervisedLoss.ProbabilityReal(realLogits).mean().item<float>(), SemiSupervisedLoss.ProbabilityReal(fakeLogits).mean().item<float>(),
            SemiSupervisedLoss.ProbabilityReal(fakeLogitsAfter).mean().item<float>());
    }
}

/// <summary>
/// The supervised-only baseline's step: D by cross-entropy on the labelled batch alone. Its "D(x)" is the batch's training
/// accuracy; there is no generator (loss_G and D(G(z)) are reported as 0).
/// </summary>
public sealed class SupervisedStep(DcganDiscriminator netD, OptimizerHelper optimizerD) : ITrainingStep
{
    /// <inheritdoc />
    public bool TrainsGenerator => false;

    /// <inheritdoc />
    public StepLosses Run(StepBatches batches)
    {
        using var pause = new CollectionPause();
        using var scope = NewDisposeScope();
        var (images, labels) = batches.Labelled;
        optimizerD.zero_grad();
        var logits = netD.forward(images);
        var errD = nn.functional.cross_entropy(logits, labels);
        errD.backward();
        optimizerD.step();
        var accuracy = logits.argmax(1).eq(labels).to_type(ScalarType.Float32).mean().item<float>();
        return new StepLosses(errD.item<float>(), 0, accuracy, 0, 0);
    }
}
