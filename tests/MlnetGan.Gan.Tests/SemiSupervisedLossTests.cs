using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class SemiSupervisedLossTests
{
    private static double LogSumExp(params double[] l) { double m = l.Max(); return m + Math.Log(l.Sum(v => Math.Exp(v - m))); }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    [Fact]
    public void DiscriminatorLossEqualsTheHandComputedTerms()
    {
        double[][] labelled = [[2.0, -1.0, 0.5], [0.1, 0.2, 0.3]];
        long[] labels = [0, 2];
        double[][] unlabelled = [[1.0, 1.0, 1.0], [-2.0, 0.0, 3.0]];
        double[][] fake = [[-1.0, -1.0, -1.0], [0.5, -0.5, 0.0]];

        double supervised = labelled.Select((l, i) => LogSumExp(l) - l[labels[i]]).Average();
        // -log D(x) with D = Z/(Z+1): log(Z+1) - log Z
        double real = unlabelled.Select(l => { double z = l.Sum(Math.Exp); return Math.Log(z + 1) - Math.Log(z); }).Average();
        // -log(1 - D) = log(Z + 1)
        double generated = fake.Select(l => Math.Log(l.Sum(Math.Exp) + 1)).Average();

        using var scope = NewDisposeScope();
        var loss = SemiSupervisedLoss.Discriminator(T(labelled), tensor(labels), T(unlabelled), T(fake)).item<double>();

        Assert.Equal(supervised + real + generated, loss, 5);
    }

    [Fact]
    public void GeneratorLossesEqualTheHandComputedValues()
    {
        double[][] realFeatures = [[1.0, 2.0], [3.0, 4.0]];
        double[][] fakeFeatures = [[0.0, 0.0], [1.0, 1.0]];
        double[][] fakeLogits = [[0.0, 1.0], [2.0, -3.0]];
        double matching = Math.Pow(2.0 - 0.5, 2) + Math.Pow(3.0 - 0.5, 2);
        double nonSaturating = fakeLogits.Select(l => { double z = l.Sum(Math.Exp); return Math.Log(z + 1) - Math.Log(z); }).Average();

        using var scope = NewDisposeScope();
        Assert.Equal(matching, SemiSupervisedLoss.GeneratorFeatureMatching(T(realFeatures), T(fakeFeatures)).item<double>(), 6);
        Assert.Equal(nonSaturating, SemiSupervisedLoss.GeneratorNonSaturating(T(fakeLogits)).item<double>(), 6);
        var d = SemiSupervisedLoss.ProbabilityReal(T(fakeLogits)).data<double>().ToArray();
        Assert.Equal(fakeLogits.Select(l => { double z = l.Sum(Math.Exp); return z / (z + 1); }), d, (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void ExtremeLogitsGiveFiniteLossesAndGradients()
    {
        using var scope = NewDisposeScope();
        var labelled = T([[1000.0, -1000.0], [-1000.0, 1000.0]]).requires_grad_();
        var unlabelled = T([[1000.0, 900.0], [-1000.0, -1000.0]]).requires_grad_();
        var fake = T([[-1000.0, -1000.0], [1000.0, 1000.0]]).requires_grad_();

        var d = SemiSupervisedLoss.Discriminator(labelled, tensor(new long[] { 0, 1 }), unlabelled, fake);
        d.backward();
        var g = SemiSupervisedLoss.GeneratorNonSaturating(fake);

        Assert.True(double.IsFinite(d.item<double>()) && double.IsFinite(g.item<double>()));
        foreach (var t in new[] { labelled, unlabelled, fake }) Assert.True(t.grad!.isfinite().all().item<bool>());
        // Supervised terms ~0. Real: -log D is ~0 for [1000, 900] and 1000 - log 2 for [-1000, -1000] (mean ~499.65).
        // Fake: -log(1 - D) is ~0 for [-1000, -1000] and softplus(1000 + log 2) for [1000, 1000] (mean ~500.35). Sum ~1000.
        double expected = (1000 - Math.Log(2)) / 2 + Softplus(1000 + Math.Log(2)) / 2;
        Assert.Equal(expected, d.item<double>(), 3);
    }

    private static Tensor T(double[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Float64);
}
