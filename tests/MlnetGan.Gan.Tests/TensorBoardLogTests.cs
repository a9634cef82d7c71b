using System.Buffers.Binary;
using System.Text;
using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class TensorBoardLogTests
{
    private static readonly DcganConfig Small = new() { Ngf = 16, Ndf = 16, Nz = 32 };

    private static ImageDataset Shapes(int count) => BuiltinShapes.GenerateSplit(seed: 3, split: 0, count, 32, 3);

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, Seed = 11, MetricsEvery = 5, CheckpointEvery = 0, KeepCheckpoints = 5, Precision = TrainingPrecision.Fp32 };

    [Fact]
    public void MaskedCrcIsTensorBoardsOnTheCrc32cCheckValue()
    {
        // CRC-32C("123456789") = 0xE3069283 (the Castagnoli check value); TensorBoard masks it as ((c >> 15) | (c << 17)) + 0xa282ead8.
        const uint crc = 0xE3069283;
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u), TensorBoardLog.MaskedCrc32C(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void EventFileHoldsTheMetricsAndSampleGridsInValidRecords()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);

        DcganTrainer.Train(Shapes(192), run, Small, Options(epochs: 2), CPU); // 6 steps per epoch; metrics at steps 5, 10, 12

        var files = Directory.GetFiles(run.TensorBoardPath, "events.out.tfevents.*");
        Assert.Single(files);
        var bytes = File.ReadAllBytes(files[0]);
        // The first record by hand: uint64 length, masked CRC of those 8 bytes, payload, masked CRC of the payload.
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(TensorBoardLog.MaskedCrc32C(bytes.AsSpan(0, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(TensorBoardLog.MaskedCrc32C(bytes.AsSpan(12, (int)length)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12 + (int)length)));

        var events = TensorBoardLog.Read(files[0]).ToList();
        Assert.Equal(bytes.Length, events.Sum(e => e.Record.Length));
        var metrics = new MetricsLog(run.MetricsPath).Read();
        Assert.Equal([5L, 10, 12], metrics.Select(m => m.Step));
        foreach (var row in metrics)
        {
            // metrics.csv keeps 6 significant digits (images/s one decimal); the events keep float32.
            double[] expected = [row.LossD, row.LossG, row.DReal, row.DFakeBeforeUpdate, row.DFakeAfterUpdate, row.ImagesPerSecond];
            for (int i = 0; i < expected.Length; i++)
            {
                double logged = events.Single(e => e.Step == row.Step && e.Scalars.ContainsKey(TensorBoardLog.ScalarTags[i])).Scalars[TensorBoardLog.ScalarTags[i]];
                Assert.Equal(expected[i], logged, i == 5 ? 0.05 : 1e-5 * Math.Max(1, Math.Abs(expected[i])));
            }
        }
        Assert.Equal([6L, 12], events.Where(e => e.ImageTags.Contains(TensorBoardLog.SamplesTag)).Select(e => e.Step));
        Assert.All(events.Where(e => e.Scalars.Count > 0), e => Assert.InRange(e.WallTime, 1.6e9, 4e9)); // seconds since 1970
    }

    [Fact]
    public void CorruptPayloadIsNamed()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(epochs: 1), CPU);
        var file = Directory.GetFiles(run.TensorBoardPath).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[^6] ^= 0x40; // inside the last record's payload
        File.WriteAllBytes(file, bytes);

        var error = Assert.Throws<RunException>(() => TensorBoardLog.Read(file).ToList());
        Assert.Contains("payload CRC does not match", error.Message);
        Assert.Contains(file, error.Message);
    }

    [Fact]
    public void ResumeAfterACrashPastTheLastCheckpointLogsEveryStepOnce()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var data = Shapes(192);
        DcganTrainer.Train(data, run, Small, Options(epochs: 3), CPU); // checkpoints at 6, 12, 18
        // A crash after step 18 was logged but before its checkpoint was written: the run resumes from step 12.
        Directory.Delete(Path.Combine(run.CheckpointsPath, "step-00000018"), recursive: true);
        File.WriteAllText(Path.Combine(run.CheckpointsPath, "latest.json"), "{\"checkpoint\": \"step-00000012\"}");

        DcganTrainer.Train(data, run, Small, Options(epochs: 3), CPU, resume: true);

        var events = TensorBoardLog.ReadAll(run.TensorBoardPath);
        Assert.Equal(2, Directory.GetFiles(run.TensorBoardPath, "events.out.tfevents.*").Length);
        var scalarSteps = events.SelectMany(e => e.Scalars.Keys.Select(tag => (tag, e.Step))).ToList();
        Assert.Equal(scalarSteps.Distinct().Count(), scalarSteps.Count);
        Assert.Equal([5L, 10, 15, 18], scalarSteps.Where(s => s.tag == "loss/D").Select(s => s.Step).Order());
        Assert.Equal([6L, 12, 18], events.Where(e => e.ImageTags.Count > 0).Select(e => e.Step).Order());
    }
}
