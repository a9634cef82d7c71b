using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// The semi-supervised GAN objective of Salimans et al. (2016): a discriminator with K class logits l(x) and an implicit
/// "fake" class, D(x) = Z(x) / (Z(x) + 1) with Z(x) = sum_k exp(l_k(x)). Written with logsumexp and softplus, so extreme
/// logits give finite losses: with s = logsumexp(l), -log D(x) = softplus(s) - s and -log(1 - D(x)) = softplus(s).
/// </summary>
public static class SemiSupervisedLoss
{
    /// <summary>
    /// The discriminator's loss: cross-entropy on the labelled images + mean of -log D(x) over the unlabelled real images
    /// + mean of -log(1 - D(G(z))) over the generated ones.
    /// </summary>
    public static Tensor Discriminator(Tensor labelledLogits, Tensor labels, Tensor unlabelledLogits, Tensor fakeLogits)
    {
        var supervised = nn.functional.cross_entropy(labelledLogits, labels);
        var realScore = unlabelledLogits.logsumexp(1);
        var fakeScore = fakeLogits.logsumexp(1);
        var unsupervisedReal = (Softplus(realScore) - realScore).mean();
        var unsupervisedFake = Softplus(fakeScore).mean();
        return supervised + unsupervisedReal + unsupervisedFake;
    }

    /// <summary>
    /// Feature matching (Salimans et al.'s recommendation for classification): the squared distance between the mean
    /// intermediate discriminator features of a real and a generated batch, || E f(x) - E f(G(z)) ||^2, computed in at least
    /// float32 precision (bf16 features of mixed-precision training are widened first).
    /// </summary>
    public static Tensor GeneratorFeatureMatching(Tensor realFeatures, Tensor fakeFeatures)
    {
        static Tensor Wide(Tensor t) => t.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? t.to_type(ScalarType.Float32) : t;
        var difference = Wide(realFeatures.flatten(1)).mean([0]) - Wide(fakeFeatures.flatten(1)).mean([0]);
        return difference.square().sum();
    }

    /// <summary>The non-saturating generator loss, mean of -log D(G(z)) = softplus(s) - s.</summary>
    public static Tensor GeneratorNonSaturating(Tensor fakeLogits)
    {
        var score = fakeLogits.logsumexp(1);
        return (Softplus(score) - score).mean();
    }

    /// <summary>D(x) = Z / (Z + 1) per image, computed as sigmoid(logsumexp(l)).</summary>
    public static Tensor ProbabilityReal(Tensor logits) => logits.logsumexp(1).sigmoid();

    // softplus(x) = max(x, 0) + log(1 + exp(-|x|)), exact and stable, from operations without number arguments: TorchSharp's
    // softplus turns its beta and threshold into native Scalars that a garbage collection can free during the call
    // (NativeScalarLifetimeTests).
    private static Tensor Softplus(Tensor x) => nn.functional.relu(x) + x.abs().neg().exp().log1p();
}
