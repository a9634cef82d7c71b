using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MlnetGan.Data;

/// <summary>
/// The header of NumPy's <c>.npy</c> format (version 1.0): magic, version, a little-endian header length and a Python dict
/// literal giving the element type, the order and the shape, followed by the raw array. <c>numpy.load(path, mmap_mode="r")</c>
/// reads what <see cref="WriteHeader"/> writes. Headers written here have a fixed length, so a writer can put the final
/// shape in place once the element count is known.
/// </summary>
public static partial class NpyFile
{
    /// <summary>Bytes of every header written by <see cref="WriteHeader"/> (a multiple of 64, as NumPy aligns).</summary>
    public const int WrittenHeaderLength = 128;

    /// <summary>NumPy's type string for unsigned bytes.</summary>
    public const string Bytes = "|u1";

    /// <summary>NumPy's type string for little-endian 32-bit integers.</summary>
    public const string Int32 = "<i4";

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes a <see cref="WrittenHeaderLength"/>-byte header for a C-order array of <paramref name="type"/> and <paramref name="shape"/>.</summary>
    public static void WriteHeader(Stream stream, string type, IReadOnlyList<long> shape)
    {
        var dims = shape.Count == 1 ? shape[0].ToString(CultureInfo.InvariantCulture) + "," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '{type}', 'fortran_order': False, 'shape': ({dims}), }}";
        int prefix = Magic.Length + 4;
        if (prefix + dict.Length + 1 > WrittenHeaderLength) throw new ArgumentException("the shape is too long for the header", nameof(shape));
        var header = new byte[WrittenHeaderLength];
        Magic.CopyTo(header);
        header[6] = 1; // version 1.0
        header[7] = 0;
        BitConverter.TryWriteBytes(header.AsSpan(8, 2), (ushort)(WrittenHeaderLength - prefix));
        Encoding.ASCII.GetBytes(dict).CopyTo(header.AsSpan(prefix));
        header.AsSpan(prefix + dict.Length, WrittenHeaderLength - prefix - dict.Length - 1).Fill((byte)' ');
        header[^1] = (byte)'\n';
        stream.Write(header);
    }

    /// <summary>
    /// Reads and checks the header of <paramref name="path"/>: an array of <paramref name="type"/>, C order, whose data fill the
    /// rest of the file exactly. Returns the shape and where the data start; problems are <see cref="DatasetException"/>s naming the file.
    /// </summary>
    public static (long[] Shape, long DataOffset) ReadHeader(string path, string type, int itemSize)
    {
        using var stream = OpenRead(path);
        var prefix = new byte[12];
        if (stream.ReadAtLeast(prefix, 10, throwOnEndOfStream: false) < 10 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DatasetException(path, "is not a NumPy .npy file (no \\x93NUMPY magic)");
        int major = prefix[6];
        long headerLength;
        int prefixLength;
        if (major == 1) { headerLength = BitConverter.ToUInt16(prefix, 8); prefixLength = 10; }
        else if (major is 2 or 3) { headerLength = BitConverter.ToUInt32(prefix, 8); prefixLength = 12; }
        else throw new DatasetException(path, $"has .npy format version {major}.{prefix[7]}; versions 1 to 3 are read");
        if (headerLength > 1 << 16) throw new DatasetException(path, $"has a {headerLength}-byte .npy header; at most 65536 are read");
        stream.Position = prefixLength;
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw new DatasetException(path, "ends inside its .npy header");
        var header = Encoding.Latin1.GetString(headerBytes);
        var descr = DescrPattern().Match(header);
        var order = OrderPattern().Match(header);
        var shapeText = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shapeText.Success) throw new DatasetException(path, $"has an .npy header without descr, fortran_order and shape: {header.Trim()}");
        if (descr.Groups[1].Value != type && !(type == Bytes && descr.Groups[1].Value == "<u1"))
            throw new DatasetException(path, $"holds '{descr.Groups[1].Value}' elements, not '{type}'");
        if (order.Groups[1].Value != "False") throw new DatasetException(path, "is in Fortran order; write it in C order (numpy.ascontiguousarray)");
        var shape = shapeText.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new DatasetException(path, $"has a shape that is not a tuple of sizes: ({shapeText.Groups[1].Value})"))
            .ToArray();
        long dataOffset = prefixLength + headerLength;
        long expected;
        try { expected = checked(shape.Aggregate(1L, (a, b) => a * b) * itemSize); }
        catch (OverflowException) { throw new DatasetException(path, $"has an impossible shape ({shapeText.Groups[1].Value})"); }
        long actual = stream.Length - dataOffset;
        if (actual != expected)
            throw new DatasetException(path, $"holds {actual} bytes of data but its shape ({string.Join(", ", shape)}) needs {expected}; the file is {(actual < expected ? "truncated" : "longer than its header says")}");
        return (shape, dataOffset);
    }

    private static FileStream OpenRead(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read); }
        catch (FileNotFoundException) { throw new DatasetException(path, "not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException(path, $"cannot be read: {e.Message}", e); }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
