using System.Text;
using SkiaSharp;

namespace MlnetGan.Data.Tests;

/// <summary>Issue 18: packed datasets (NumPy arrays read on demand) hold exactly what the source held, and refuse damaged files by name.</summary>
public class PackedDatasetTests
{
    private static DatasetLoadOptions Builtin(int train, int test) => new() { BuiltinSeed = 5, BuiltinTrainCount = train, BuiltinTestCount = test };

    [Fact]
    public void ThePackedBuiltinDatasetReadsBackImageForImageInChunksOfAnySize()
    {
        using var dir = new TempDirectory();
        var packed = DatasetPacker.Pack("builtin", dir.Combine("packed"), Builtin(23, 7), chunkImages: 5);
        var memory = DatasetLoader.Load("builtin", Builtin(23, 7));

        var opened = DatasetLoader.Load(packed.Folder);

        Assert.Equal(DatasetFormat.Packed, DatasetLoader.Detect(packed.Folder));
        Assert.True(opened.Train.IsPacked);
        foreach (var (expected, actual) in new[] { (memory.Train, opened.Train), (memory.Test!, opened.Test!) })
        {
            Assert.Equal(expected.CopyPixels(), actual.CopyPixels());
            Assert.Equal(expected.Labels, actual.Labels);
            Assert.Equal(expected.ClassNames, actual.ClassNames);
            Assert.Equal(expected.Source, actual.Source);
            Assert.Equal(expected.GetImage(expected.Count - 1).ToArray(), actual.GetImage(actual.Count - 1).ToArray());
            long[] gather = [6, 0, 6, expected.Count - 1, 3];
            var fromMemory = new byte[gather.Length * expected.ImageLength];
            var fromFile = new byte[gather.Length * expected.ImageLength];
            expected.CopyImages(gather, fromMemory);
            actual.CopyImages(gather, fromFile);
            Assert.Equal(fromMemory, fromFile);
        }
        Assert.Equal(new Dictionary<string, int> { ["train"] = 23, ["test"] = 7 }, packed.Metadata.Splits);
    }

    [Fact]
    public void TheImagesFileIsANumPyArrayWithTheShapeInItsHeader()
    {
        using var dir = new TempDirectory();
        var packed = DatasetPacker.Pack("builtin", dir.Combine("packed"), Builtin(12, 2));

        var bytes = File.ReadAllBytes(PackedDataset.ImagesPath(packed.Folder, "train"));

        Assert.Equal([0x93, .. "NUMPY"u8.ToArray()], bytes[..6]);
        Assert.Equal((byte)1, bytes[6]);
        Assert.Equal(NpyFile.WrittenHeaderLength - 10, BitConverter.ToUInt16(bytes, 8));
        var header = Encoding.ASCII.GetString(bytes, 10, NpyFile.WrittenHeaderLength - 10);
        Assert.StartsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (12, 3, 32, 32), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(NpyFile.WrittenHeaderLength + 12 * 3 * 32 * 32, bytes.Length);
        var labels = File.ReadAllBytes(PackedDataset.LabelsPath(packed.Folder, "train"));
        Assert.Contains("'descr': '<i4', 'fortran_order': False, 'shape': (12,), }", Encoding.ASCII.GetString(labels, 10, NpyFile.WrittenHeaderLength - 10));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 10), Enumerable.Range(0, 12).Select(i => BitConverter.ToInt32(labels, NpyFile.WrittenHeaderLength + 4 * i)));
    }

    [Fact]
    public void ArraysThatNumPyItselfSavedAreReadAsAPackedDataset()
    {
        // Fixtures/numpy-packed/make_fixture.py: image i, channel c, row y, column x holds (7 i + 5 c + 3 y + x) mod 256.
        var folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "numpy-packed");

        var train = DatasetLoader.Load(folder, new DatasetLoadOptions { ImageSize = 4 }).Train;

        Assert.True(train.IsPacked);
        Assert.Equal((5, 3, 4, 4), (train.Count, train.Channels, train.Height, train.Width));
        Assert.Equal([0, 1, ImageDataset.Unlabeled, 1, 0], train.Labels);
        Assert.Equal(["zero", "one"], train.ClassNames);
        var expected = new byte[5 * 3 * 4 * 4];
        for (int i = 0, k = 0; i < 5; i++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 4; y++)
                    for (int x = 0; x < 4; x++)
                        expected[k++] = (byte)((7 * i + 5 * c + 3 * y + x) % 256);
        Assert.Equal(expected, train.CopyPixels());
    }

    [Fact]
    public void AnImageFolderPackedInChunksEqualsTheFolderReadInMemoryWithTheSameFilesSkipped()
    {
        using var dir = new TempDirectory();
        var source = Samples.Random(11, 3, 16, classes: 3);
        var root = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(source, Path.Combine(root, "train"));
        ImageFolderReader.WriteClassFolders(source.Subset([0, 1, 2, 3]), Path.Combine(root, "test"));
        File.WriteAllText(Path.Combine(root, "train", "class1", "00004.png"), "not an image");
        var warnings = new List<string>();
        var options = new DatasetLoadOptions { ImageSize = 16, OnCorruptImage = CorruptImagePolicy.SkipWithWarning, Warn = warnings.Add };

        var packed = DatasetPacker.Pack(root, dir.Combine("packed"), options, chunkImages: 3);
        var memory = DatasetLoader.Load(root, options);
        var opened = PackedDataset.Open(packed.Folder);

        Assert.Equal(10, opened.Train.Count);
        Assert.Equal(memory.Train.CopyPixels(), opened.Train.CopyPixels());
        Assert.Equal(memory.Train.Labels, opened.Train.Labels);
        Assert.Equal(memory.Test!.CopyPixels(), opened.Test!.CopyPixels());
        Assert.Equal(memory.Train.Source, opened.Train.Source);
        Assert.Equal(2, warnings.Count(w => w.Contains("00004.png")));
    }

    [Fact]
    public void AnExistingOutputIsRefusedAndACancelledPackLeavesNothingBehind()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("taken"));
        File.WriteAllText(dir.Combine("taken", "x"), "x");
        var error = Assert.Throws<DatasetException>(() => DatasetPacker.Pack("builtin", dir.Combine("taken"), Builtin(10, 2)));
        Assert.Contains("already exists", error.Message);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<PackProgress>(p => { if (p.Done >= 4) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => DatasetPacker.Pack("builtin", dir.Combine("cancelled"), Builtin(20, 2), progress, cancel.Token, chunkImages: 4));
        Assert.Equal([dir.Combine("taken")], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void APackedDatasetAtAnotherSizeIsRefusedNotConvertedInMemory()
    {
        using var dir = new TempDirectory();
        var packed = DatasetPacker.Pack("builtin", dir.Combine("packed"), Builtin(10, 2));

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(packed.Folder, new DatasetLoadOptions { ImageSize = 64 }));

        Assert.Contains(packed.Folder, error.Message);
        Assert.Contains("packed at 3x32x32, not the 3x64x64", error.Message);
    }

    public static TheoryData<string, string, string, string> Damage => new()
    {
        { "train-images.npy", "truncate", "train-images.npy", "truncated" },
        { "train-images.npy", "grow", "train-images.npy", "longer than its header says" },
        { "train-images.npy", "magic", "train-images.npy", "not a NumPy .npy file" },
        { "train-images.npy", "float", "train-images.npy", "holds '<f4' elements, not '|u1'" },
        { "train-images.npy", "fortran", "train-images.npy", "Fortran order" },
        { "train-labels.npy", "label", "train-labels.npy", "outside the 10 classes" },
        { "train-labels.npy", "delete", "train-labels.npy", "not found" },
        { "dataset.json", "json", "dataset.json", "is not a packed dataset's metadata" },
        { "dataset.json", "count", "train-images.npy", "dataset.json says (9, 3, 32, 32)" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void ADamagedFileIsNamedWithWhatIsWrong(string file, string damage, string named, string expected)
    {
        using var dir = new TempDirectory();
        var folder = DatasetPacker.Pack("builtin", dir.Combine("packed"), Builtin(10, 2)).Folder;
        var path = Path.Combine(folder, file);
        var bytes = File.ReadAllBytes(path);
        string Header() => Encoding.Latin1.GetString(bytes, 0, NpyFile.WrittenHeaderLength);
        void SetHeader(string text) => Encoding.Latin1.GetBytes(text).CopyTo(bytes, 0);
        switch (damage)
        {
            case "truncate": bytes = bytes[..^100]; break;
            case "grow": bytes = [.. bytes, 0]; break;
            case "magic": bytes[1] = (byte)'X'; break;
            case "float": SetHeader(Header().Replace("'|u1'", "'<f4'")); break;
            case "fortran": SetHeader(Header().Replace("False", "True ")); break;
            case "label": BitConverter.GetBytes(10).CopyTo(bytes, NpyFile.WrittenHeaderLength + 4 * 3); break;
            case "delete": File.Delete(path); break;
            case "json": bytes = "{ not json"u8.ToArray(); break;
            case "count": bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"train\": 10", "\"train\": 9")); break;
        }
        if (damage != "delete") File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(folder));

        Assert.StartsWith(Path.Combine(folder, named) + ":", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
