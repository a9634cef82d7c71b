namespace MlnetGan.Data.Tests;

public class CifarBinaryReaderTests
{
    private static void WriteAllBatches(string dir, out ImageDataset[] train, out ImageDataset test)
    {
        train = new ImageDataset[5];
        for (int b = 0; b < 5; b++)
        {
            train[b] = Samples.Random(7, 3, 32, seed: b + 1);
            CifarBinaryReader.WriteBatch(train[b], Path.Combine(dir, CifarBinaryReader.TrainFileNames[b]));
        }
        test = Samples.Random(5, 3, 32, seed: 99);
        CifarBinaryReader.WriteBatch(test, Path.Combine(dir, CifarBinaryReader.TestFileName));
    }

    [Fact]
    public void RoundTripsAllBatchesInOrder()
    {
        using var dir = new TempDirectory();
        WriteAllBatches(dir.Path, out var train, out var test);

        var splits = CifarBinaryReader.ReadDirectory(dir.Path);

        Assert.Equal(35, splits.Train.Count);
        Assert.Equal(train.SelectMany(t => t.CopyPixels()), splits.Train.CopyPixels());
        Assert.Equal(train.SelectMany(t => t.Labels), splits.Train.Labels);
        Assert.Equal(test.CopyPixels(), splits.Test!.CopyPixels());
        Assert.Equal(test.Labels, splits.Test.Labels);
        Assert.Equal("airplane", splits.Train.ClassNames[0]);
        Assert.Equal((3, 32, 32), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
    }

    [Fact]
    public void PlanesAreRedGreenBlue()
    {
        using var dir = new TempDirectory();
        var record = new byte[CifarBinaryReader.RecordLength];
        record[0] = 3;
        Array.Fill(record, (byte)200, 1, 1024);       // R plane
        Array.Fill(record, (byte)100, 1 + 1024, 1024); // G plane
        Array.Fill(record, (byte)50, 1 + 2048, 1024);  // B plane
        var path = dir.Combine("test_batch.bin");
        File.WriteAllBytes(path, record);

        var batch = CifarBinaryReader.ReadBatch(path);

        Assert.Equal(3, batch.Labels[0]);
        Assert.Equal(200, batch.GetImage(0)[0]);
        Assert.Equal(100, batch.GetImage(0)[1024]);
        Assert.Equal(50, batch.GetImage(0)[2048]);
    }

    [Fact]
    public void TruncatedBatchIsAnErrorNamingTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("data_batch_1.bin");
        File.WriteAllBytes(path, new byte[CifarBinaryReader.RecordLength * 2 - 100]);

        var error = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadBatch(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("not a whole number of CIFAR-10 records", error.Message);
    }

    [Fact]
    public void EmptyBatchIsAnError()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("data_batch_1.bin");
        File.WriteAllBytes(path, []);
        Assert.Contains("length 0 bytes", Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadBatch(path)).Message);
    }

    [Fact]
    public void LabelOutOfRangeIsAnError()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("test_batch.bin");
        var bytes = new byte[CifarBinaryReader.RecordLength * 2];
        bytes[CifarBinaryReader.RecordLength] = 12;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadBatch(path));

        Assert.Contains("record 1 has label 12", error.Message);
    }

    [Fact]
    public void MissingTrainingBatchIsNamed()
    {
        using var dir = new TempDirectory();
        WriteAllBatches(dir.Path, out _, out _);
        File.Delete(dir.Combine("data_batch_4.bin"));

        var error = Assert.Throws<DatasetException>(() => CifarBinaryReader.ReadDirectory(dir.Path));

        Assert.Contains("missing data_batch_4.bin", error.Message);
    }

    [Fact]
    public void LoaderDetectsBinaryFolderAndNestedFolder()
    {
        using var dir = new TempDirectory();
        var nested = dir.Combine("cifar-10-batches-bin");
        Directory.CreateDirectory(nested);
        WriteAllBatches(nested, out _, out _);

        Assert.Equal(DatasetFormat.CifarBinary, DatasetLoader.Detect(dir.Path));
        Assert.Equal(DatasetFormat.CifarBinary, DatasetLoader.Detect(nested));
        var splits = DatasetLoader.Load(dir.Path);
        Assert.Equal(35, splits.Train.Count);
        Assert.Equal(5, splits.Test!.Count);
    }
}
