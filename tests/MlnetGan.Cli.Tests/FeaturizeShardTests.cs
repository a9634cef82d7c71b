using System.Text.Json.Nodes;
using MlnetGan.Data;
using MlnetGan.ML;
using MlnetGan.Workflows;

namespace MlnetGan.Cli.Tests;

/// <summary><c>featurize --shard K/N</c> in child processes, as N machines or processes would run it, and the <c>gather</c> that joins them.</summary>
public class FeaturizeShardTests
{
    /// <summary>30 training and 11 test images in a train/test image folder: 41 rows, cut 13/14/14 by three shards (the last across the splits).</summary>
    internal static string WriteImages(TempDirectory dir, int seed = 5, string name = "images")
    {
        var folder = dir.Combine(name);
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(seed, 0, 30, 32, 3), Path.Combine(folder, "train"));
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(seed, 1, 11, 32, 3), Path.Combine(folder, "test"));
        return folder;
    }

    [Fact]
    public async Task ThreeShardProcessesInParallelThenGatherGiveTheUnshardedRowsInOrder()
    {
        using var dir = new TempDirectory();
        var images = WriteImages(dir);
        var model = UntrainedModel.Write(dir);
        var shards = dir.Combine("shards");

        // A batch of 4 puts the shard boundaries (13, 27) inside the unsharded run's batches.
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(k => Task.Run(() => CliRunner.Run(
            "featurize", "--model", model, "--data", images, "--batch-size", "4", "--shard", $"{k}/3", "--out", Path.Combine(shards, $"features-{k}.parquet")))));
        foreach (var run in runs) Assert.True(run.ExitCode == 0, run.All);
        var whole = CliRunner.Run("featurize", "--model", model, "--data", images, "--batch-size", "4", "--out", dir.Combine("whole.parquet"));
        Assert.True(whole.ExitCode == 0, whole.All);
        var gather = CliRunner.Run("gather", "--in", shards, "--out", dir.Combine("gathered.parquet"));
        Assert.True(gather.ExitCode == 0, gather.All);
        Assert.Contains("Gathered 3 shards: 41 rows", gather.Output);

        // Each shard: its block of rows, an index column, and a manifest saying what it is.
        var firstRows = new[] { 0, 13, 27 };
        for (int k = 0; k < 3; k++)
        {
            var file = Path.Combine(shards, $"features-{k}.parquet");
            var manifest = JsonNode.Parse(File.ReadAllText(file + ".manifest.json"))!;
            Assert.Equal((k, 3, firstRows[k], (k == 0 ? 13 : 14)), ((int)manifest["shard"]!, (int)manifest["shardCount"]!, (int)manifest["firstRow"]!, (int)manifest["rowCount"]!));
            Assert.Equal(ShardManifest.Sha256OfFile(file), (string)manifest["fileSha256"]!);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model))), (string)manifest["modelSha256"]!);
            Assert.Equal("parquet", (string)manifest["format"]!);
            Assert.Equal(DcganModelInfo.Read(model).FeatureLength, (int)manifest["featureLength"]!);
            Assert.Equal(41, (int)manifest["totalRows"]!);
            var rows = FeatureFile.Read(file).ToList();
            Assert.Equal(Enumerable.Range(firstRows[k], rows.Count).Select(g => g < 30 ? ("train", g) : ("test", g - 30)), rows.Select(r => (r.Split, r.Index)));
        }
        Assert.Single(Enumerable.Range(0, 3).Select(k => ShardManifest.Read(Path.Combine(shards, $"features-{k}.parquet.manifest.json")).DatasetFingerprint).Distinct());

        // The gathered file is the unsharded one, row for row, feature for feature, and byte for byte.
        var expected = FeatureFile.Read(dir.Combine("whole.parquet")).ToList();
        var actual = FeatureFile.Read(dir.Combine("gathered.parquet")).ToList();
        Assert.Equal(41, expected.Count);
        Assert.Equal(expected.Select(r => (r.Split, r.Index, r.Label, r.Class)), actual.Select(r => (r.Split, r.Index, r.Label, r.Class)));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Features, actual[i].Features);
        Assert.Equal(File.ReadAllBytes(dir.Combine("whole.parquet")), File.ReadAllBytes(dir.Combine("gathered.parquet")));
    }

    [Fact]
    public void RerunningAFinishedShardDoesNothingAndAnotherModelIsRefusedUnlessForced()
    {
        using var dir = new TempDirectory();
        var images = WriteImages(dir);
        var model = UntrainedModel.Write(dir);
        var other = UntrainedModel.Write(dir, seed: 8, name: "other.onnx");
        var output = dir.Combine("features-1.csv");
        string[] args = ["featurize", "--model", model, "--data", images, "--shard", "1/2", "--out", output];

        var first = CliRunner.Run(args);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains("Wrote shard 1/2: rows 20 to 40 of 41", first.Output);
        var written = (File.GetLastWriteTimeUtc(output), File.GetLastWriteTimeUtc(output + ".manifest.json"));
        var manifest = File.ReadAllText(output + ".manifest.json");

        var again = CliRunner.Run(args);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("Shard 1/2 is already done", again.Output);
        Assert.Contains("nothing to do", again.Output);
        Assert.Equal(written, (File.GetLastWriteTimeUtc(output), File.GetLastWriteTimeUtc(output + ".manifest.json")));
        Assert.Equal(manifest, File.ReadAllText(output + ".manifest.json"));

        string[] otherModel = ["featurize", "--model", other, "--data", images, "--shard", "1/2", "--out", output];
        var refused = CliRunner.Run(otherModel);
        Assert.Equal(1, refused.ExitCode);
        var line = Assert.Single(refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: --out {output}: its manifest {output}.manifest.json was made with another model", line);
        Assert.EndsWith("pass --force to replace it, or choose another --out", line);
        Assert.Equal(manifest, File.ReadAllText(output + ".manifest.json"));

        var otherShard = CliRunner.Run("featurize", "--model", model, "--data", images, "--shard", "0/2", "--out", output);
        Assert.Equal(1, otherShard.ExitCode);
        Assert.Contains("is shard 0/2, not 1/2", otherShard.Error);

        var forced = CliRunner.Run([.. otherModel, "--force"]);
        Assert.True(forced.ExitCode == 0, forced.All);
        Assert.Contains("Wrote shard 1/2", forced.Output);
        Assert.Equal(ShardManifest.Sha256OfFile(other), ShardManifest.Read(output + ".manifest.json").ModelSha256);
        Assert.Equal(ShardManifest.Sha256OfFile(output), ShardManifest.Read(output + ".manifest.json").FileSha256);
    }

    [Fact]
    public void AShardWhoseFileChangedIsFeaturizedAgain()
    {
        using var dir = new TempDirectory();
        var images = WriteImages(dir);
        var model = UntrainedModel.Write(dir);
        var output = dir.Combine("features-0.csv");
        string[] args = ["featurize", "--model", model, "--data", images, "--split", "test", "--shard", "0/2", "--out", output];
        Assert.Equal(0, CliRunner.Run(args).ExitCode);
        var good = File.ReadAllText(output);
        File.WriteAllText(output, good[..(good.Length / 2)]);

        var again = CliRunner.Run(args);

        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("featurizing shard 0/2 again", again.Output);
        Assert.Equal(good, File.ReadAllText(output));
    }

    [Theory]
    [InlineData("0/0", "error: --shard: 0/0 has no shards; N must be at least 1")]
    [InlineData("3/2", "error: --shard: 3/2 is out of range; K must be from 0 to 1 (shards are numbered from 0)")]
    [InlineData("-1/2", "error: --shard: -1/2 is out of range; K must be from 0 to 1 (shards are numbered from 0)")]
    [InlineData("abc", "error: --shard: 'abc' is not K/N (shard K of N, numbered from 0: 0/4 .. 3/4)")]
    public void ABadShardIsOneErrorLine(string shard, string expected)
    {
        var result = CliRunner.Run("featurize", "--model", "m.onnx", "--out", "f.parquet", "--shard", shard);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal([expected], result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", result.Output);
    }
}
