using Google.Protobuf;
using MlnetGan.ML.OnnxRefs;

namespace MlnetGan.ML;

/// <summary>
/// Resolves an ONNX model's external-data tensors (weights kept in files beside the model) against the model's own
/// folder and copies them into the model, so ONNX Runtime gets one self-contained buffer and never opens a file itself
/// (handed bytes, it would resolve them against the current directory). A location that is absolute, climbs out with
/// <c>..</c>, passes through a symbolic link or is not a regular file is refused.
/// </summary>
internal static class OnnxExternalData
{
    /// <summary>
    /// <paramref name="model"/> with every external tensor inlined (the same array when there is none).
    /// Errors are <see cref="DcganModelException"/>s naming <paramref name="modelPath"/> and the location.
    /// </summary>
    public static byte[] Inline(byte[] model, string modelPath)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(model); }
        catch (InvalidProtocolBufferException) { return model; } // not protobuf: ONNX Runtime's own check names the problem
        var tensors = Tensors(proto).Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        if (tensors.Count == 0) return model;
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        foreach (var tensor in tensors) tensor.RawData = ByteString.CopyFrom(Read(tensor, folder, modelPath));
        foreach (var tensor in tensors)
        {
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        }
        try { return proto.ToByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or OverflowException)
        {
            throw new DcganModelException($"{modelPath}: with its external data inlined the model exceeds 2 GiB, the most ONNX Runtime takes in memory", e);
        }
    }

    /// <summary>
    /// Throws a <see cref="DcganModelException"/> when <paramref name="model"/> (given as bytes, with no folder of its own)
    /// still refers to external data: ONNX Runtime would look for it in the current directory.
    /// </summary>
    public static void RefuseExternal(byte[] model, string displayName)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(model); }
        catch (InvalidProtocolBufferException) { return; }
        var external = Tensors(proto).FirstOrDefault(t => t.DataLocation == TensorProto.Types.DataLocation.External);
        if (external is null) return;
        var location = external.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value;
        throw new DcganModelException($"{displayName}: tensor '{external.Name}' has external data at '{location}', and a model given as bytes has no folder to read it from; read the model from its file");
    }

    private static byte[] Read(TensorProto tensor, string folder, string modelPath)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseLong(entry.Value, "offset", tensor, modelPath); break;
                case "length": length = ParseLong(entry.Value, "length", tensor, modelPath); break;
            }
        }
        string Problem(string what) => $"{modelPath}: tensor '{tensor.Name}' has external data at '{location}', which {what}";
        if (string.IsNullOrEmpty(location)) throw new DcganModelException($"{modelPath}: tensor '{tensor.Name}' has external data without a location");
        var path = ResolveInside(folder, location, Problem);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (offset > stream.Length) throw new DcganModelException(Problem($"holds {stream.Length} bytes, fewer than its offset {offset}"));
        long available = stream.Length - offset;
        long count = length ?? available;
        if (count > available) throw new DcganModelException(Problem($"holds {available} bytes after offset {offset}, fewer than its length {count}"));
        if (count > Array.MaxLength) throw new DcganModelException(Problem($"is {count} bytes, more than a model in memory can hold"));
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// The full path of <paramref name="location"/> under <paramref name="folder"/>: relative, without <c>..</c>, no
    /// symbolic link on the way, and a regular file.
    /// </summary>
    private static string ResolveInside(string folder, string location, Func<string, string> problem)
    {
        if (Path.IsPathRooted(location) || location.Contains(':'))
            throw new DcganModelException(problem("is not a path relative to the model's folder (refused)"));
        var parts = location.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p == ".."))
            throw new DcganModelException(problem("leaves the model's folder (refused)"));
        var path = folder;
        foreach (var part in parts.Where(p => p != "."))
        {
            path = Path.Combine(path, part);
            var entry = new FileInfo(path);
            if (!entry.Exists && !Directory.Exists(path))
                throw new DcganModelException(problem($"is not in the model's folder {folder} (external data is read only from there)"));
            if (entry.LinkTarget is not null || new DirectoryInfo(path).LinkTarget is not null)
                throw new DcganModelException(problem("passes through a symbolic link (refused: it could lead out of the model's folder)"));
        }
        if (!MlnetGan.Data.RegularFile.Is(path)) throw new DcganModelException(problem("is not a regular file"));
        return path;
    }

    private static long ParseLong(string value, string key, TensorProto tensor, string modelPath) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new DcganModelException($"{modelPath}: tensor '{tensor.Name}' has external data {key} '{value}', not a whole number of bytes");

    private static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        var graphs = new List<GraphProto>();
        if (model.Graph is not null) graphs.Add(model.Graph);
        foreach (var info in model.TrainingInfo)
        {
            if (info.Initialization is not null) graphs.Add(info.Initialization);
            if (info.Algorithm is not null) graphs.Add(info.Algorithm);
        }
        var result = new List<TensorProto>();
        foreach (var function in model.Functions) AddFromNodes(function.Node, result, graphs);
        for (int i = 0; i < graphs.Count; i++)
        {
            var graph = graphs[i];
            result.AddRange(graph.Initializer);
            foreach (var sparse in graph.SparseInitializer) AddSparse(sparse, result);
            AddFromNodes(graph.Node, result, graphs);
        }
        return result;
    }

    private static void AddFromNodes(IEnumerable<NodeProto> nodes, List<TensorProto> tensors, List<GraphProto> graphs)
    {
        foreach (var attribute in nodes.SelectMany(n => n.Attribute))
        {
            if (attribute.T is not null) tensors.Add(attribute.T);
            tensors.AddRange(attribute.Tensors);
            if (attribute.SparseTensor is not null) AddSparse(attribute.SparseTensor, tensors);
            foreach (var sparse in attribute.SparseTensors) AddSparse(sparse, tensors);
            if (attribute.G is not null) graphs.Add(attribute.G);
            graphs.AddRange(attribute.Graphs);
        }
    }

    private static void AddSparse(SparseTensorProto sparse, List<TensorProto> tensors)
    {
        if (sparse.Values is not null) tensors.Add(sparse.Values);
        if (sparse.Indices is not null) tensors.Add(sparse.Indices);
    }
}
