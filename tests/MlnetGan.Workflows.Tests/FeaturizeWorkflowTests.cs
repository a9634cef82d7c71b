using MlnetGan.Data;

namespace MlnetGan.Workflows.Tests;

/// <summary>Shards as a library: the blocks they cut, the fingerprint they record, and what gathering checks row by row.</summary>
public class FeaturizeWorkflowTests
{
    [Fact]
    public void ShardsAreContiguousNearlyEqualBlocksThatCoverEveryRowOnce()
    {
        for (int n = 1; n <= 9; n++)
            for (long total = 0; total <= 50; total++)
            {
                long next = 0;
                var sizes = new List<long>();
                for (int k = 0; k < n; k++)
                {
                    var (first, count) = new FeatureShard(k, n).RowsOf(total);
                    Assert.Equal(next, first);
                    next = first + count;
                    sizes.Add(count);
                }
                Assert.Equal(total, next);
                Assert.True(sizes.Max() - sizes.Min() <= 1, $"{total} rows in {n} shards: {string.Join(", ", sizes)}");
            }
        Assert.Equal((2_147_483_647L * 3, 2_147_483_647L), new FeatureShard(3, 4).RowsOf(4 * 2_147_483_647L));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("+2/3", 2, 3)]
    public void ParseTakesKOfNNumberedFromZero(string text, int index, int count)
    {
        Assert.Equal(new FeatureShard(index, count), FeatureShard.Parse(text));
        Assert.Equal($"{index}/{count}", FeatureShard.Parse(text).ToString());
    }

    [Theory]
    [InlineData("4/4", "Shard: 4/4 is out of range; K must be from 0 to 3 (shards are numbered from 0)")]
    [InlineData("1/0", "Shard: 1/0 has no shards; N must be at least 1")]
    [InlineData("1/2/3", "Shard: '1/2/3' is not K/N (shard K of N, numbered from 0: 0/4 .. 3/4)")]
    [InlineData("1.5/2", "Shard: '1.5/2' is not K/N (shard K of N, numbered from 0: 0/4 .. 3/4)")]
    public void ParseNamesTheSettingAndTheProblem(string text, string expected)
    {
        var error = Assert.Throws<InvalidSettingException>(() => FeatureShard.Parse(text));
        Assert.Equal(expected, error.Message);
        Assert.StartsWith("--shard: ", error.MessageNaming(name => name == FeatureShard.SettingName ? "--shard" : name));
    }

    [Fact]
    public void TheFingerprintDependsOnTheImagesNotOnWhereTheyLie()
    {
        using var dir = new TempDirectory();
        var images = BuiltinShapes.GenerateSplit(4, 0, 12, 32, 3);
        ImageFolderReader.WriteClassFolders(images, dir.Combine("a"));
        ImageFolderReader.WriteClassFolders(images, dir.Combine("b"));
        var a = DatasetLoader.Load(dir.Combine("a")).Train;
        var b = DatasetLoader.Load(dir.Combine("b")).Train;
        Assert.NotEqual(a.Source, b.Source);

        var fingerprint = FeaturizeWorkflow.Fingerprint([("train", a)]);
        Assert.Equal(fingerprint, FeaturizeWorkflow.Fingerprint([("train", b)]));
        Assert.NotEqual(fingerprint, FeaturizeWorkflow.Fingerprint([("test", b)]));
        Assert.NotEqual(fingerprint, FeaturizeWorkflow.Fingerprint([("train", b.Subset([.. Enumerable.Range(0, 11)]))]));
        var changed = b.CopyPixels();
        changed[5]++;
        Assert.NotEqual(fingerprint, FeaturizeWorkflow.Fingerprint([("train", new ImageDataset(changed, b.Labels, b.Channels, b.Height, b.Width, b.ClassNames, b.Source))]));
    }

    [Fact]
    public void CsvShardsWithOneParquetShardGatherToTheUnshardedFileByteForByteEvenWhenSomeShardsAreEmpty()
    {
        using var dir = new TempDirectory();
        var model = WorkflowTests.ExportModel(dir);
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(4, 0, 5, 32, 3), dir.Combine("images"));
        var request = new FeaturizeRequest { Model = model, Data = dir.Combine("images"), Output = dir.Combine("whole.csv"), BatchSize = 2 };
        FeaturizeWorkflow.Run(WorkflowProgress.Silent, request);

        var outcomes = Enumerable.Range(0, 7).Select(k => FeaturizeWorkflow.Run(WorkflowProgress.Silent,
            request with { Shard = new FeatureShard(k, 7), Output = dir.Combine("shards", k == 3 ? $"f{k}.parquet" : $"f{k}.csv") })).ToList();
        var gathered = FeaturizeWorkflow.Gather(WorkflowProgress.Silent, new GatherRequest { Input = dir.Combine("shards"), Output = dir.Combine("gathered.csv") });

        Assert.Equal([0, 1, 1, 0, 1, 1, 1], outcomes.Select(o => o.Rows));
        Assert.Equal((7, 5L), (gathered.Shards, gathered.Rows));
        Assert.Equal(File.ReadAllText(dir.Combine("whole.csv")), File.ReadAllText(dir.Combine("gathered.csv")));
        Assert.StartsWith("split,index,label,class,f0,", File.ReadAllText(dir.Combine("shards", "f1.csv")));
    }

    /// <summary>Issue 18: shards of a packed dataset read their block from the file and give the rows the image folder gives.</summary>
    [Fact]
    public void ShardsOfAPackedDatasetGatherToTheRowsOfTheImageFolderItWasPackedFrom()
    {
        using var dir = new TempDirectory();
        var model = WorkflowTests.ExportModel(dir);
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(4, 0, 9, 32, 3), dir.Combine("images"));
        var packed = DatasetPacker.Pack(dir.Combine("images"), dir.Combine("packed"), new DatasetLoadOptions()).Folder;
        var request = new FeaturizeRequest { Model = model, Data = dir.Combine("images"), Output = dir.Combine("folder.csv"), BatchSize = 2 };
        FeaturizeWorkflow.Run(WorkflowProgress.Silent, request);

        for (int k = 0; k < 3; k++)
            FeaturizeWorkflow.Run(WorkflowProgress.Silent, request with { Data = packed, Shard = new FeatureShard(k, 3), Output = dir.Combine("shards", $"f{k}.csv") });
        FeaturizeWorkflow.Gather(WorkflowProgress.Silent, new GatherRequest { Input = dir.Combine("shards"), Output = dir.Combine("gathered.csv") });

        Assert.Equal(File.ReadAllText(dir.Combine("folder.csv")), File.ReadAllText(dir.Combine("gathered.csv")));
    }

    [Fact]
    public void GatherChecksEveryRowEvenWhenTheManifestsAgree()
    {
        using var dir = new TempDirectory();
        var model = WorkflowTests.ExportModel(dir);
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(4, 0, 10, 32, 3), dir.Combine("images"));
        var shards = dir.Combine("shards");
        for (int k = 0; k < 2; k++)
            FeaturizeWorkflow.Run(WorkflowProgress.Silent, new FeaturizeRequest { Model = model, Data = dir.Combine("images"), Shard = new FeatureShard(k, 2), Output = Path.Combine(shards, $"f{k}.parquet") });
        var manifest1 = ShardManifest.Read(Path.Combine(shards, "f1.parquet.manifest.json"));
        var rows1 = FeatureFile.Read(Path.Combine(shards, "f1.parquet")).ToList();
        void Forge(IEnumerable<FeatureRow> rows)
        {
            var file = Path.Combine(shards, "f1.parquet");
            AtomicFile.Write(file, s => FeatureFile.Write(s, FeatureFileFormat.Parquet, rows, manifest1.FeatureLength, withIndex: true));
            (manifest1 with { FileSha256 = ShardManifest.Sha256OfFile(file) }).Write(file + ShardManifest.Suffix);
        }
        GatherRequest request = new() { Input = shards, Output = dir.Combine("all.parquet") };

        Forge(FeatureFile.Read(Path.Combine(shards, "f0.parquet")).ToList());
        Assert.EndsWith("f1.parquet: row train/0 is also in f0.parquet", Assert.Throws<DatasetException>(() => FeaturizeWorkflow.Gather(WorkflowProgress.Silent, request)).Message);

        Forge(rows1.Take(4));
        Assert.EndsWith("f1.parquet: holds 4 rows, not the 5 its manifest records", Assert.Throws<DatasetException>(() => FeaturizeWorkflow.Gather(WorkflowProgress.Silent, request)).Message);

        Forge([rows1[1], rows1[0], .. rows1.Skip(2)]);
        Assert.EndsWith("f1.parquet: row 0 is train/6, where shard 1/2 has train/5", Assert.Throws<DatasetException>(() => FeaturizeWorkflow.Gather(WorkflowProgress.Silent, request)).Message);
        Assert.False(File.Exists(dir.Combine("all.parquet")));

        Forge(rows1);
        Assert.Equal(10, FeaturizeWorkflow.Gather(WorkflowProgress.Silent, request).Rows);
    }
}
