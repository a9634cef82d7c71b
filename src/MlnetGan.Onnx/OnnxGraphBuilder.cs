using Google.Protobuf;
using MlnetGan.Onnx.Proto;

namespace MlnetGan.Onnx;

/// <summary>Appends named nodes, initializers and typed graph inputs/outputs to an ONNX <see cref="GraphProto"/>.</summary>
internal sealed class OnnxGraphBuilder(string graphName)
{
    public GraphProto Graph { get; } = new() { Name = graphName };

    /// <summary>Adds a float32 initializer (raw little-endian bytes) and returns its name.</summary>
    public string Initializer(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node named <paramref name="name"/> whose single output is also called <paramref name="name"/>.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return name;
    }

    /// <summary>Renames the output of the last node (graph outputs carry the contract's names).</summary>
    public void RenameLastOutput(string name) => Graph.Node[^1].Output[0] = name;

    public void Input(string name, params object[] shape) => Graph.Input.Add(ValueInfo(name, shape));

    public void Output(string name, params object[] shape) => Graph.Output.Add(ValueInfo(name, shape));

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float32 tensor value of the given shape; a string dimension is symbolic (for example the batch, "N").</summary>
    private static ValueInfoProto ValueInfo(string name, object[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            tensorShape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"dimension {dim} of {name} is neither a number nor a symbol"),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }
}
