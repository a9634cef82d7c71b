using System.Buffers.Binary;

namespace MlnetGan.Data.Tests;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTripsRawAndGzip(bool gzip)
    {
        using var dir = new TempDirectory();
        var suffix = gzip ? ".gz" : "";
        var train = Samples.Random(12, 1, 28);
        var test = Samples.Random(4, 1, 28, seed: 5);
        IdxReader.WritePair(train, dir.Combine("train-images-idx3-ubyte" + suffix), dir.Combine("train-labels-idx1-ubyte" + suffix));
        IdxReader.WritePair(test, dir.Combine("t10k-images-idx3-ubyte" + suffix), dir.Combine("t10k-labels-idx1-ubyte" + suffix));

        Assert.Equal(DatasetFormat.Idx, DatasetLoader.Detect(dir.Path));
        var splits = IdxReader.ReadDirectory(dir.Path);

        Assert.Equal(train.CopyPixels(), splits.Train.CopyPixels());
        Assert.Equal(train.Labels, splits.Train.Labels);
        Assert.Equal(test.CopyPixels(), splits.Test!.CopyPixels());
        Assert.Equal((1, 28, 28), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
    }

    [Fact]
    public void LoaderResizesToTheModelSizeAndChannels()
    {
        using var dir = new TempDirectory();
        IdxReader.WritePair(Samples.Random(3, 1, 28), dir.Combine("train-images-idx3-ubyte"), dir.Combine("train-labels-idx1-ubyte"));

        var splits = DatasetLoader.Load(dir.Path, new DatasetLoadOptions { ImageSize = 32, Channels = 3 });

        Assert.Equal((3, 32, 32), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
        Assert.Null(splits.Test);
    }

    [Fact]
    public void WrongMagicIsNamed()
    {
        using var dir = new TempDirectory();
        var images = dir.Combine("train-images-idx3-ubyte");
        IdxReader.WritePair(Samples.Random(3, 1, 8), images, dir.Combine("train-labels-idx1-ubyte"));
        var bytes = File.ReadAllBytes(images);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        File.WriteAllBytes(images, bytes);

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadDirectory(dir.Path));

        Assert.Contains(images, error.Message);
        Assert.Contains("wrong magic number 0x00000801", error.Message);
    }

    [Fact]
    public void MismatchedCountsAreAnError()
    {
        using var dir = new TempDirectory();
        IdxReader.WritePair(Samples.Random(5, 1, 8), dir.Combine("train-images-idx3-ubyte"), dir.Combine("unused-labels"));
        IdxReader.WritePair(Samples.Random(4, 1, 8), dir.Combine("unused-images"), dir.Combine("train-labels-idx1-ubyte"));

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadDirectory(dir.Path));

        Assert.Contains("holds 4 labels but", error.Message);
        Assert.Contains("holds 5 images", error.Message);
    }

    [Fact]
    public void TruncatedImagesFileIsAnError()
    {
        using var dir = new TempDirectory();
        var images = dir.Combine("train-images-idx3-ubyte");
        IdxReader.WritePair(Samples.Random(5, 1, 8), images, dir.Combine("train-labels-idx1-ubyte"));
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..^10]);

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadDirectory(dir.Path));

        Assert.Contains("does not match its header", error.Message);
    }

    [Fact]
    public void CorruptGzipIsAnError()
    {
        using var dir = new TempDirectory();
        var images = dir.Combine("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(images, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]);
        IdxReader.WritePair(Samples.Random(5, 1, 8), dir.Combine("unused"), dir.Combine("train-labels-idx1-ubyte"));

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadDirectory(dir.Path));

        Assert.Contains(images, error.Message);
    }
}
