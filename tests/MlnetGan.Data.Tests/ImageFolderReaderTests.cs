using SkiaSharp;

namespace MlnetGan.Data.Tests;

public class ImageFolderReaderTests
{
    [Fact]
    public void PngFolderRoundTripsExactlyWithSortedClasses()
    {
        using var dir = new TempDirectory();
        var source = Samples.Random(9, 3, 16, classes: 3);
        ImageFolderReader.WriteClassFolders(source, dir.Path);

        var read = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 16, Channels = 3 }).Train;

        Assert.Equal(["class0", "class1", "class2"], read.ClassNames);
        // Files are read class by class; image i of the source is in class i % 3.
        var expectedOrder = Enumerable.Range(0, 9).OrderBy(i => i % 3).ThenBy(i => i).ToArray();
        Assert.Equal(source.Subset(expectedOrder).CopyPixels(), read.CopyPixels());
        Assert.Equal(source.Subset(expectedOrder).Labels, read.Labels);
    }

    [Fact]
    public void DecodedJpegKeepsChannelOrder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("red"));
        using (var bitmap = new SKBitmap(20, 20))
        {
            bitmap.Erase(new SKColor(230, 20, 10));
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
            File.WriteAllBytes(dir.Combine("red", "a.jpg"), data.ToArray());
        }

        var image = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8, Channels = 3 }).Train;

        Assert.Equal((3, 8, 8), (image.Channels, image.Height, image.Width));
        var pixels = image.GetImage(0);
        Assert.InRange(pixels[0], 215, 245);      // R plane
        Assert.InRange(pixels[64], 5, 35);       // G plane
        Assert.InRange(pixels[128], 0, 30);      // B plane
    }

    [Fact]
    public void GrayscaleUsesLuminance()
    {
        using var dir = new TempDirectory();
        var source = new ImageDataset(Enumerable.Repeat((byte)200, 16).Concat(Enumerable.Repeat((byte)100, 16)).Concat(Enumerable.Repeat((byte)0, 16)).ToArray(),
            [0], 3, 4, 4, ["only"], "test");
        ImageFolderReader.WriteClassFolders(source, dir.Path);

        var gray = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 4, Channels = 1 }).Train;

        Assert.Equal(ImageConversion.Luminance(200, 100, 0), gray.GetImage(0)[5]);
    }

    [Fact]
    public void SplitLayoutReadsTrainAndTestWithSharedLabels()
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(6, 3, 8, classes: 3), dir.Combine("train"));
        var test = Samples.Random(2, 3, 8, classes: 3);
        ImageFolderReader.WriteClassFolders(test.Subset([1]), dir.Combine("test"));

        var splits = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8 });

        Assert.Equal(6, splits.Train.Count);
        Assert.Equal([1], splits.Test!.Labels);
    }

    [Fact]
    public void CorruptImageFailsByDefaultNamingThePath()
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(4, 3, 8, classes: 2), dir.Path);
        var bad = dir.Combine("class1", "broken.png");
        File.WriteAllText(bad, "this is not a png");

        var error = Assert.Throws<DatasetException>(() => ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8 }));

        Assert.Contains(bad, error.Message);
        Assert.Contains("cannot decode image", error.Message);
    }

    [Fact]
    public void CorruptImageCanBeSkippedWithAWarning()
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(4, 3, 8, classes: 2), dir.Path);
        var bad = dir.Combine("class1", "broken.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        var warnings = new List<string>();

        var read = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8, OnCorruptImage = CorruptImagePolicy.SkipWithWarning, Warn = warnings.Add }).Train;

        Assert.Equal(4, read.Count);
        Assert.Single(warnings);
        Assert.Contains(bad, warnings[0]);
    }

    [Fact]
    public void EmptyFolderIsAnError()
    {
        using var dir = new TempDirectory();
        Assert.Contains("has no class folders", Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path)).Message);
        Directory.CreateDirectory(dir.Combine("cats"));
        Assert.Contains("no .png, .jpg or .jpeg images", Assert.Throws<DatasetException>(() => DatasetLoader.Load(dir.Path)).Message);
    }

    [Fact]
    public void MissingPathIsAnError()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load("/no/such/dataset"));
        Assert.Contains("/no/such/dataset", error.Message);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void UnknownFileIsAnError()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("notes.txt");
        File.WriteAllText(path, "hello");
        Assert.Contains("neither a CIFAR-10 batch", Assert.Throws<DatasetException>(() => DatasetLoader.Load(path)).Message);
    }
}
