using Microsoft.ML;

namespace MlnetGan.ML.Tests;

public class SampleQualityTests
{
    private static readonly string[] ClassNames = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();

    [Fact]
    public void SamplesOfOneClassHaveNoSpreadAndRealLookalikesSpreadOverEveryClass()
    {
        var (train, test) = (Make(1000, seed: 1), Make(500, seed: 2));
        var oneClass = new FeatureMatrix(test.Rows.Where((_, i) => test.Labels[i] == 3).ToArray(), Enumerable.Repeat(-1, 50).ToArray());
        var noise = new FeatureMatrix(Enumerable.Range(0, 200).Select(_ => new float[40]).ToArray(), Enumerable.Repeat(-1, 200).ToArray());

        var collapsed = SampleQuality.Measure(new MLContext(0), train, test, oneClass, ClassNames, "toy features");
        var lookalikes = SampleQuality.Measure(new MLContext(0), train, test, Make(500, seed: 3), ClassNames, "toy features");
        var blank = SampleQuality.Measure(new MLContext(0), train, test, noise, ClassNames, "toy features");

        Assert.InRange(collapsed.JudgeTestAccuracy, 0.95, 1.0);
        Assert.Equal(50, collapsed.GeneratedHistogram[3]);
        Assert.Equal(0, collapsed.GeneratedEntropyBits, 9);
        Assert.InRange(lookalikes.GeneratedEntropyBits, 3.2, Math.Log2(10));
        Assert.Equal(Math.Log2(10), lookalikes.MaxEntropyBits, 9);
        Assert.InRange(lookalikes.GeneratedConfidence, lookalikes.RealConfidence - 0.05, lookalikes.RealConfidence + 0.05);
        // Featureless inputs are judged far less confidently than real ones.
        Assert.True(blank.GeneratedConfidence < lookalikes.RealConfidence - 0.3, $"{blank.GeneratedConfidence:F2} vs {lookalikes.RealConfidence:F2}");
        Assert.Equal(500, lookalikes.RealHistogram.Sum());
    }

    [Theory]
    [InlineData(new[] { 5, 5 }, 1.0)]
    [InlineData(new[] { 10, 0, 0 }, 0.0)]
    [InlineData(new[] { 1, 1, 1, 1 }, 2.0)]
    [InlineData(new[] { 2, 1, 1 }, 1.5)]
    public void EntropyIsInBits(int[] counts, double bits) => Assert.Equal(bits, SampleQuality.EntropyBits(counts), 12);

    private static FeatureMatrix Make(int n, int seed)
    {
        var random = new Random(seed);
        var rows = new float[n][];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 10;
            rows[i] = Enumerable.Range(0, 40).Select(j => (float)(random.NextDouble() - 0.5 + (j == labels[i] ? 2 : 0))).ToArray();
        }
        return new FeatureMatrix(rows, labels);
    }
}
