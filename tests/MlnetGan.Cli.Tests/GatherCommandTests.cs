using MlnetGan.Workflows;

namespace MlnetGan.Cli.Tests;

/// <summary>Three finished shards of 41 rows, made once, and the two models and datasets that make odd shards.</summary>
public sealed class ShardFolder : IDisposable
{
    private readonly TempDirectory dir = new();

    public ShardFolder()
    {
        Images = FeaturizeShardTests.WriteImages(dir);
        OtherImages = FeaturizeShardTests.WriteImages(dir, seed: 6, name: "other-images");
        Model = UntrainedModel.Write(dir);
        OtherModel = UntrainedModel.Write(dir, seed: 8, name: "other.onnx");
        Shards = dir.Combine("shards");
        for (int k = 0; k < 3; k++) Featurize(Model, Images, k, Path.Combine(Shards, $"features-{k}.parquet"));
    }

    public string Images { get; }

    public string OtherImages { get; }

    public string Model { get; }

    public string OtherModel { get; }

    public string Shards { get; }

    public static void Featurize(string model, string images, int shard, string output) =>
        FeaturizeWorkflow.Run(WorkflowProgress.Silent, new FeaturizeRequest { Model = model, Data = images, Shard = new FeatureShard(shard, 3), Output = output, Force = true });

    /// <summary>A copy of the shards in <paramref name="into"/>.</summary>
    public string Copy(TempDirectory into)
    {
        var copy = into.Combine("shards");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(Shards)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    public void Dispose() => dir.Dispose();
}

/// <summary><c>mlnetgan gather</c> refuses an incomplete or inconsistent folder of shards with one line naming the file.</summary>
public class GatherCommandTests(ShardFolder fixture) : IClassFixture<ShardFolder>
{
    [Fact]
    public void ACompleteFolderIsGathered()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("gather", "--in", fixture.Copy(dir), "--out", dir.Combine("all.csv"));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(42, CsvFile.Read(dir.Combine("all.csv")).Count);
        Assert.Equal(["split", "label", "class", "f0"], CsvFile.Read(dir.Combine("all.csv"))[0].Take(4));
    }

    [Fact]
    public void AMissingShardIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        File.Delete(Path.Combine(shards, "features-1.parquet.manifest.json"));
        AssertRefused(dir, shards, $"error: {shards}: shard 1/3 is missing; found 0, 2 of 0 to 2");
    }

    [Fact]
    public void ADuplicatedShardIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        ShardFolder.Featurize(fixture.Model, fixture.Images, 1, Path.Combine(shards, "again-1.parquet"));
        AssertRefused(dir, shards, $"error: {Path.Combine(shards, "features-1.parquet.manifest.json")}: is shard 1/3 again: again-1.parquet.manifest.json is that shard too");
    }

    [Fact]
    public void AShardOfAnotherModelIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        ShardFolder.Featurize(fixture.OtherModel, fixture.Images, 2, Path.Combine(shards, "features-2.parquet"));
        AssertRefused(dir, shards, $"error: {Path.Combine(shards, "features-2.parquet.manifest.json")}: was made with another model (SHA-256 ", "than features-0.parquet.manifest.json (");
    }

    [Fact]
    public void AShardOfAnotherDatasetIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        ShardFolder.Featurize(fixture.Model, fixture.OtherImages, 0, Path.Combine(shards, "features-0.parquet"));
        AssertRefused(dir, shards, $"error: {Path.Combine(shards, "features-0.parquet.manifest.json")}: was made from another dataset (fingerprint ", "than features-1.parquet.manifest.json (");
    }

    [Fact]
    public void AShardOfAnotherCountIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        FeaturizeWorkflow.Run(WorkflowProgress.Silent, new FeaturizeRequest { Model = fixture.Model, Data = fixture.Images, Shard = new FeatureShard(3, 4), Output = Path.Combine(shards, "features-3.parquet") });
        AssertRefused(dir, shards, $"error: {Path.Combine(shards, "features-3.parquet.manifest.json")}: is shard 3/4, but features-0.parquet.manifest.json is one of 3 shards");
    }

    [Fact]
    public void AChangedShardFileIsRefused()
    {
        using var dir = new TempDirectory();
        var shards = fixture.Copy(dir);
        File.Copy(Path.Combine(shards, "features-0.parquet"), Path.Combine(shards, "features-1.parquet"), overwrite: true);
        AssertRefused(dir, shards, $"error: {Path.Combine(shards, "features-1.parquet")}: differs from the SHA-256 that features-1.parquet.manifest.json records (changed or replaced after it was written)");
    }

    [Fact]
    public void AnEmptyFolderAndAMissingFolderAreRefused()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("empty"));
        AssertRefused(dir, dir.Combine("empty"), $"error: {dir.Combine("empty")}: holds no shard manifests (*.manifest.json)");
        AssertRefused(dir, dir.Combine("none"), $"error: --in {dir.Combine("none")}: folder not found");
    }

    private static void AssertRefused(TempDirectory dir, string shards, string start, string contains = "")
    {
        var output = dir.Combine("all.parquet");
        var result = CliRunner.Run("gather", "--in", shards, "--out", output);
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line);
        Assert.Contains(contains, line);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }
}
