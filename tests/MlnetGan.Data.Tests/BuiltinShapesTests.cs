namespace MlnetGan.Data.Tests;

public class BuiltinShapesTests
{
    [Fact]
    public void SameSeedGivesSameImagesOtherSeedOthers()
    {
        var a = BuiltinShapes.GenerateSplit(7, 0, 50, 32, 3);
        var b = BuiltinShapes.GenerateSplit(7, 0, 50, 32, 3);
        var c = BuiltinShapes.GenerateSplit(8, 0, 50, 32, 3);

        Assert.Equal(a.CopyPixels(), b.CopyPixels());
        Assert.NotEqual(a.CopyPixels(), c.CopyPixels());
    }

    [Fact]
    public void SplitsAreBalancedAndDistinct()
    {
        var splits = BuiltinShapes.Generate(seed: 0, trainCount: 200, testCount: 50);

        Assert.All(Enumerable.Range(0, 10), k => Assert.Equal(20, splits.Train.Labels.Count(l => l == k)));
        Assert.Equal(10, splits.Train.ClassNames.Count);
        Assert.NotEqual(splits.Train.GetImage(0).ToArray(), splits.Test!.GetImage(0).ToArray());
    }

    [Fact]
    public void ImagesVaryWithinAClass()
    {
        var data = BuiltinShapes.GenerateSplit(0, 0, 40, 32, 3);
        // Two images of the same class differ in most pixels: colour, position and texture are random.
        var first = data.GetImage(0);
        var second = data.GetImage(10);
        int differing = 0;
        for (int i = 0; i < first.Length; i++) if (Math.Abs(first[i] - second[i]) > 20) differing++;
        Assert.True(differing > first.Length / 2, $"only {differing} of {first.Length} bytes differ");
    }

    [Fact]
    public void LoaderServesGrayscaleAndLargerSizes()
    {
        var splits = DatasetLoader.Load("builtin", new DatasetLoadOptions { ImageSize = 64, Channels = 1, BuiltinTrainCount = 20, BuiltinTestCount = 10 });
        Assert.Equal((1, 64, 64, 20), (splits.Train.Channels, splits.Train.Height, splits.Train.Width, splits.Train.Count));
    }

    [Fact]
    public void PlainShapesHaveAFlatBackgroundAndAreDeterministic()
    {
        var plain = BuiltinShapes.GenerateSplit(seed: 4, split: 0, count: 40, size: 32, channels: 3, BuiltinStyle.Plain);
        var again = BuiltinShapes.GenerateSplit(seed: 4, split: 0, count: 40, size: 32, channels: 3, BuiltinStyle.Plain);
        var textured = BuiltinShapes.GenerateSplit(seed: 4, split: 0, count: 40, size: 32, channels: 3);

        Assert.Equal(plain.CopyPixels(), again.CopyPixels());
        Assert.Equal(textured.Labels, plain.Labels);
        for (int i = 0; i < plain.Count; i++)
        {
            // Plain: the background is one colour, so the most common colour covers at least half the image; the
            // textured images' gradients and noise leave no colour that common.
            Assert.True(MostCommonColourShare(plain.GetImage(i)) >= 0.5, $"plain image {i} has no flat background");
            Assert.True(MostCommonColourShare(textured.GetImage(i)) < 0.1, $"textured image {i} has a flat background");
        }
    }

    private static double MostCommonColourShare(ReadOnlySpan<byte> planar)
    {
        int pixels = planar.Length / 3;
        var counts = new Dictionary<int, int>();
        for (int p = 0; p < pixels; p++)
        {
            int colour = planar[p] << 16 | planar[pixels + p] << 8 | planar[2 * pixels + p];
            counts[colour] = counts.GetValueOrDefault(colour) + 1;
        }
        return counts.Values.Max() / (double)pixels;
    }
}
