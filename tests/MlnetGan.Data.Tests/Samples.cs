namespace MlnetGan.Data.Tests;

internal static class Samples
{
    /// <summary>A small dataset with random pixels and labels cycling through <paramref name="classes"/>.</summary>
    public static ImageDataset Random(int count, int channels, int size, int classes = 10, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[count * channels * size * size];
        random.NextBytes(pixels);
        var names = Enumerable.Range(0, classes).Select(i => $"class{i}").ToArray();
        return new ImageDataset(pixels, Enumerable.Range(0, count).Select(i => i % classes).ToArray(), channels, size, size, names, "test");
    }
}
