using Google.Protobuf;
using MlnetGan.Onnx.Proto;

namespace MlnetGan.Onnx;

/// <summary>Appends named nodes, initializers and typed graph inputs/outputs to an ONNX <see cref="GraphProto"/>.</summary>
internal sealed class OnnxGraphBuilder(string graphName)
{
    public GraphProto Graph { get; } = new() { Name = graphName };

    /// <summary>
    /// Adds a float32 initializer (raw little-endian bytes) and returns its name. Throws <see cref="ArgumentException"/>,
    /// naming it, unless the element count of <paramref name="dims"/> (their product) is that of <paramref name="values"/>.
    /// </summary>
    public string Initializer(string name, long[] dims, float[] values)
    {
        long elements = dims.Aggregate(1L, (product, dim) => product * dim);
        if (dims.Any(dim => dim < 0) || elements != values.Length)
            throw new ArgumentException($"initializer '{name}': dimensions [{string.Join(", ", dims)}] do not hold its {values.Length} values", nameof(values));
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>
    /// Adds a node as <c>onnx.helper.make_node(op_type, inputs, outputs, name, **attributes)</c> does and returns its
    /// first output's name.
    /// </summary>
    public string Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        if (node.Output.Count == 0) throw new ArgumentException($"node '{name}' has no output", nameof(outputs));
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return node.Output[0];
    }

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
