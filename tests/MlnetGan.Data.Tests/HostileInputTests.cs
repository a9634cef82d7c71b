using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using SkiaSharp;

namespace MlnetGan.Data.Tests;

/// <summary>Issue 15, items 7-10: files that try to exhaust memory, hang the reader or pass as images when they are not.</summary>
public class HostileInputTests
{
    [Fact]
    public void IdxGzipBombIsRefusedAfterReadingNoMoreThanItsHeaderPromises()
    {
        // Two 28x28 images promised, 32 MiB of zeros delivered (about 32 KiB compressed).
        var bomb = GzipIdxImages(count: 2, rows: 28, cols: 28, payload: 32 << 20);
        using var counting = new CountingStream(new GZipStream(new MemoryStream(bomb), CompressionMode.Decompress));

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(counting, "bomb-images-idx3-ubyte.gz"));

        Assert.Contains("bomb-images-idx3-ubyte.gz", error.Message);
        Assert.Contains("more data than its header", error.Message);
        // The header, the promised pixels and one probe byte: nothing like the 32 MiB behind them.
        Assert.InRange(counting.BytesRead, 16 + 2 * 28 * 28, 16 + 2 * 28 * 28 + 1);
    }

    [Fact]
    public void IdxLabelGzipBombIsRefusedAfterReadingNoMoreThanItsHeaderPromises()
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 10);
        using var counting = new CountingStream(new GZipStream(new MemoryStream(Gzip(header, 16 << 20)), CompressionMode.Decompress));

        Assert.Throws<DatasetException>(() => IdxReader.ReadLabels(counting, "labels.gz"));

        Assert.InRange(counting.BytesRead, 8 + 10, 8 + 10 + 1);
    }

    [Fact]
    public void IdxBombOnDiskNamesTheFile()
    {
        using var dir = new TempDirectory();
        var images = dir.Combine("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(images, GzipIdxImages(count: 2, rows: 28, cols: 28, payload: 4 << 20));

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(images));

        Assert.Contains(images, error.Message);
    }

    [Theory]
    [InlineData(1, 100_000, 100_000)]
    [InlineData(1, 16_385, 1)]
    [InlineData(int.MaxValue, 28, 28)]
    public void IdxHeaderWithHugeDimensionsIsRefusedBeforeReading(int count, int rows, int cols)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        using var counting = new CountingStream(new MemoryStream(header.Concat(new byte[1 << 20]).ToArray()));

        var error = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(counting, "huge"));

        Assert.Contains("huge", error.Message);
        Assert.Equal(16, counting.BytesRead);
    }

    [Theory]
    [InlineData(16_385, 1)]
    [InlineData(8_200, 8_200)]
    public void ImageLargerThanTheLimitIsRefusedFromItsHeader(int width, int height)
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(2, 3, 8, classes: 1), dir.Path);
        var huge = dir.Combine("class0", "huge.png");
        File.WriteAllBytes(huge, PngClaimingSize(width, height));

        var error = Assert.Throws<DatasetException>(() => ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8 }));

        Assert.Contains(huge, error.Message);
        Assert.Contains($"{width}x{height}", error.Message);
        Assert.Contains("limit", error.Message);
    }

    [Fact]
    public async Task FifoNamedLikeAnImageIsRefusedWithoutBlocking()
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(2, 3, 8, classes: 1), dir.Path);
        var fifo = dir.Combine("class0", "pipe.png");
        MakeFifo(fifo);

        var read = Task.Run(() => ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 8 }));
        // A guard against the hang this test is about, not a timing assertion.
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != read) using (File.OpenWrite(fifo)) { } // unblock the reader before failing
        Assert.True(finished == read, "the reader blocked on the FIFO");
        var error = await Assert.ThrowsAsync<DatasetException>(() => read);
        Assert.Contains(fifo, error.Message);
        Assert.Contains("not a regular file", error.Message);
    }

    public static TheoryData<string, int> TruncationCases()
    {
        var cases = new TheoryData<string, int>();
        // Positive: keep that many bytes; 0: keep half; negative: that many bytes short of the end. A PNG cut inside its
        // final IEND chunk still holds every pixel, so the PNG cases stop inside the image data.
        foreach (var format in new[] { "png", "jpg" })
            foreach (var cut in new[] { 60, 100, 200, 0, -30 })
                cases.Add(format, cut);
        cases.Add("jpg", -2); // no end-of-image marker
        return cases;
    }

    [Theory]
    [MemberData(nameof(TruncationCases))]
    public void TruncatedImageIsCorrupt(string format, int cut)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("only"));
        var whole = NoisyImage(format);
        var good = dir.Combine("only", "good." + format);
        File.WriteAllBytes(good, whole);
        var truncated = dir.Combine("only", "truncated." + format);
        File.WriteAllBytes(truncated, whole.AsSpan(0, cut > 0 ? cut : cut == 0 ? whole.Length / 2 : whole.Length + cut).ToArray());

        var error = Assert.Throws<DatasetException>(() => ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 16 }));
        Assert.Contains(truncated, error.Message);

        var warnings = new List<string>();
        var kept = ImageFolderReader.ReadDirectory(dir.Path, new ImageFolderOptions { ImageSize = 16, OnCorruptImage = CorruptImagePolicy.SkipWithWarning, Warn = warnings.Add }).Train;
        Assert.Equal(1, kept.Count);
        Assert.Contains(truncated, Assert.Single(warnings));
    }

    [Fact]
    public void FindImagesListsEachFileOnceThroughSymlinkLoops()
    {
        using var dir = new TempDirectory();
        ImageFolderReader.WriteClassFolders(Samples.Random(4, 3, 8, classes: 2), dir.Path);
        Directory.CreateSymbolicLink(dir.Combine("class0", "loop"), dir.Path);
        Directory.CreateSymbolicLink(dir.Combine("self"), dir.Path);

        var files = ImageFile.FindImages(dir.Path);

        Assert.Equal(4, files.Count);
        Assert.Equal(files.Distinct().Count(), files.Count);
    }

    [Fact]
    public void CifarBatchThatIsAFifoIsRefused()
    {
        using var dir = new TempDirectory();
        var fifo = dir.Combine("data_batch_1.bin");
        MakeFifo(fifo);

        var error = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadBatch(fifo));

        Assert.Contains("not a regular file", error.Message);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static byte[] NoisyImage(string format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(64, 64, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var random = new Random(3);
        random.NextBytes(ImageConversion.WritablePixels(bitmap));
        for (int p = 3; p < 64 * 64 * 4; p += 4) ImageConversion.WritablePixels(bitmap)[p] = 255;
        using var data = bitmap.Encode(format == "png" ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>A valid 8x8 PNG whose IHDR claims <paramref name="width"/> x <paramref name="height"/> (CRC fixed up).</summary>
    internal static byte[] PngClaimingSize(int width, int height)
    {
        using var bitmap = new SKBitmap(8, 8);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var png = data.ToArray();
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), ... CRC over type + 13 data bytes at 29.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    private static byte[] GzipIdxImages(int count, int rows, int cols, int payload)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        return Gzip(header, payload);
    }

    private static byte[] Gzip(byte[] header, int zeros)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(header);
            var block = new byte[1 << 16];
            for (int written = 0; written < zeros; written += block.Length) gzip.Write(block);
        }
        return memory.ToArray();
    }
}

/// <summary>Counts the bytes read through it, so a test can bound what a reader pulled from its source.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    private int Counted(int read)
    {
        BytesRead += read;
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
