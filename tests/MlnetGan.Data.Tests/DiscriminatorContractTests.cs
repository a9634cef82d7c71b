using MlnetGan.Data;

namespace MlnetGan.Data.Tests;

public class DiscriminatorContractTests
{
    private static readonly DiscriminatorContract Contract = new()
    {
        ImageSize = 32, Channels = 3, Nz = 100, Ngf = 64, Ndf = 16, NumClasses = 2, FeatureLength = 1792,
        FeatureLayout = [new FeatureBlock("block1", 16, 16, 4, 256), new FeatureBlock("block2", 32, 8, 4, 512), new FeatureBlock("block3", 64, 4, 4, 1024)],
        Mode = DiscriminatorMode.Supervised, BatchNorm = BatchNormRecipe.Recompute(3, 64), ClassNames = ["cat", "dog"],
        Dataset = "builtin", Epochs = 2.5, Step = 97, Seed = 42, ProducerVersion = "1.2.3",
    };

    [Fact]
    public void MetadataIsWrittenInTheExportedFormat()
    {
        Assert.Equal(new[]
        {
            ("mlnetgan.format_version", "1"), ("mlnetgan.mode", "supervised"), ("mlnetgan.image_size", "32"), ("mlnetgan.channels", "3"),
            ("mlnetgan.pixel_range", "-1,1"), ("mlnetgan.channel_order", "rgb"), ("mlnetgan.input", "image"), ("mlnetgan.feature_output", "features"),
            ("mlnetgan.feature_length", "1792"),
            ("mlnetgan.feature_layout", """[{"name":"block1","channels":16,"side":16,"grid":4,"length":256},{"name":"block2","channels":32,"side":8,"grid":4,"length":512},{"name":"block3","channels":64,"side":4,"grid":4,"length":1024}]"""),
            ("mlnetgan.score_output", "probabilities"), ("mlnetgan.class_names", """["cat","dog"]"""), ("mlnetgan.bn_stats", "recompute:3"), ("mlnetgan.bn_batch_size", "64"),
            ("mlnetgan.nz", "100"), ("mlnetgan.ndf", "16"), ("mlnetgan.ngf", "64"), ("mlnetgan.dataset", "builtin"), ("mlnetgan.epochs", "2.5"),
            ("mlnetgan.step", "97"), ("mlnetgan.seed", "42"), ("mlnetgan.version", "1.2.3"),
        }, Contract.ToMetadata());
    }

    [Fact]
    public void ParseReadsBackWhatWasWritten()
    {
        var parsed = DiscriminatorContract.Parse(Metadata(Contract));

        Assert.Equal(Contract.ToMetadata(), parsed.ToMetadata());
        Assert.Equal((2, DiscriminatorMode.Supervised, BatchNormRecipe.Recompute(3, 64), PixelRange.Model), (parsed.NumClasses, parsed.Mode, parsed.BatchNorm, parsed.Pixels));
        Assert.Equal(Contract.FeatureLayout, parsed.FeatureLayout);
        Assert.True(DiscriminatorContract.IsRecordedIn(Metadata(Contract)));
    }

    [Fact]
    public void RunningStatisticsRecordNoBatchSize()
    {
        var metadata = Metadata(Contract with { BatchNorm = BatchNormRecipe.Running, NumClasses = 0, Mode = DiscriminatorMode.Dcgan });

        Assert.Equal("running", metadata["mlnetgan.bn_stats"]);
        Assert.False(metadata.ContainsKey("mlnetgan.bn_batch_size"));
        Assert.Equal("score", metadata["mlnetgan.score_output"]);
        Assert.Equal((0, BatchNormRecipe.Running), (DiscriminatorContract.Parse(metadata).NumClasses, DiscriminatorContract.Parse(metadata).BatchNorm));
    }

    [Theory]
    [InlineData("mlnetgan.ndf", null, "metadata mlnetgan.ndf is missing")]
    [InlineData("mlnetgan.image_size", "big", "metadata mlnetgan.image_size 'big' is malformed")]
    [InlineData("mlnetgan.mode", "adversarial", "metadata mlnetgan.mode 'adversarial' is malformed")]
    [InlineData("mlnetgan.pixel_range", "1,-1", "metadata mlnetgan.pixel_range '1,-1' is malformed")]
    [InlineData("mlnetgan.bn_stats", "recompute:0", "metadata mlnetgan.bn_stats 'recompute:0' is malformed")]
    [InlineData("mlnetgan.class_names", "[1,", "metadata mlnetgan.class_names '[1,' is malformed")]
    public void MissingOrMalformedKeysAreNamed(string key, string? value, string expected)
    {
        var metadata = Metadata(Contract);
        if (value is null) metadata.Remove(key);
        else metadata[key] = value;

        Assert.StartsWith(expected, Assert.Throws<FormatException>(() => DiscriminatorContract.Parse(metadata)).Message);
    }

    [Fact]
    public void RecomputationRecordedWithoutItsBatchSizeLeavesItUnknown()
    {
        var recipe = BatchNormRecipe.Parse("recompute:50", batchSize: null);

        Assert.Equal((true, 50, (int?)null), (recipe.IsRecomputed, recipe.Batches, recipe.BatchSize));
        Assert.Equal("recompute:50", recipe.ToString());
    }

    [Fact]
    public void ModeNamesRoundTrip()
    {
        foreach (var mode in Enum.GetValues<DiscriminatorMode>()) Assert.Equal(mode, DiscriminatorModes.Parse(mode.Name()));
        Assert.Equal(["dcgan", "semi-supervised", "supervised"], Enum.GetValues<DiscriminatorMode>().Select(m => m.Name()));
    }

    [Fact]
    public void PixelMappingIsXOver127Point5MinusOne()
    {
        var range = PixelRange.Model;

        Assert.Equal((-1f, 1f, 0.007843138f, 127.5), (range.FromByte(0), range.FromByte(255), range.Scale, range.BytesPerUnit));
        Assert.Equal(127.5f, range.ByteOffset, 1e-4f);
        Assert.Equal("x => x * 0.007843138 + -1", range.FromByteExpression);
        for (int x = 0; x < 256; x++)
        {
            Assert.Equal(x / 127.5f - 1f, x / (float)range.BytesPerUnit + range.Min);
            Assert.True(Math.Abs(range.FromByte(x) - (x / 127.5f - 1f)) <= 1e-6f, $"byte {x}");
        }
        Assert.Equal(range, PixelRange.Parse(range.ToString()));
    }

    private static Dictionary<string, string> Metadata(DiscriminatorContract contract) => contract.ToMetadata().ToDictionary(p => p.Key, p => p.Value);
}
