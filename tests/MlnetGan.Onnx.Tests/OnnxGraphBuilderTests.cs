namespace MlnetGan.Onnx.Tests;

public class OnnxGraphBuilderTests
{
    [Theory]
    [InlineData(new long[] { 2, 3 }, 5)]
    [InlineData(new long[] { 2, 3 }, 7)]
    [InlineData(new long[] { -2, -3 }, 6)]
    public void InitializerThatItsDimensionsDoNotHoldIsNamed(long[] dims, int count)
    {
        var graph = new OnnxGraphBuilder("g");

        var error = Assert.Throws<ArgumentException>(() => graph.Initializer("block1.conv.weight", dims, new float[count]));

        Assert.Contains("initializer 'block1.conv.weight'", error.Message);
        Assert.Empty(graph.Graph.Initializer);
    }

    [Fact]
    public void InitializerKeepsItsDimensionsAndValues()
    {
        var graph = new OnnxGraphBuilder("g");

        Assert.Equal("w", graph.Initializer("w", [2, 3], [1, 2, 3, 4, 5, 6]));

        Assert.Equal([2L, 3], graph.Graph.Initializer.Single().Dims);
        Assert.Equal(24, graph.Graph.Initializer.Single().RawData.Length);
    }

    [Fact]
    public void NodesTakeTheirOutputsAsArguments()
    {
        var graph = new OnnxGraphBuilder("g");

        var output = graph.Node("Flatten", ["head.conv"], ["logits"], "head.flatten", OnnxGraphBuilder.Int("axis", 1));

        var node = Assert.Single(graph.Graph.Node);
        Assert.Equal(("logits", "head.flatten", "Flatten"), (output, node.Name, node.OpType));
        Assert.Equal(["head.conv"], node.Input);
        Assert.Equal(["logits"], node.Output);
        Assert.Throws<ArgumentException>(() => graph.Node("Relu", ["x"], [], "relu"));
    }
}
