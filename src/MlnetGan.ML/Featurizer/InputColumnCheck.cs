using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MlnetGan.ML;

/// <summary>
/// The featurizer's one check of its input column, for the estimator (on a <see cref="SchemaShape"/>) and the transformer
/// (on a <see cref="DataViewSchema"/>): an image of the model's size, or a vector of <see cref="float"/> pixels of the
/// model's length. Errors are <see cref="ArgumentOutOfRangeException"/>s that name the column and what is expected.
/// </summary>
internal static class InputColumnCheck
{
    /// <summary>Checks the input column of a concrete schema (the transformer's).</summary>
    public static void Check(DataViewSchema schema, string name, DcganModelInfo info)
    {
        var column = schema.GetColumnOrNull(name) ?? throw NotFound(name, schema.Select(c => c.Name));
        Check(name, column.Type, info);
    }

    /// <summary>
    /// Checks the input column of a schema shape (the estimator's). A shape tells a known-size vector from a variable one
    /// but not its length, which the transformer's check then verifies.
    /// </summary>
    public static void Check(SchemaShape shape, string name, DcganModelInfo info)
    {
        var columns = shape.Where(c => c.Name == name).ToList();
        if (columns.Count == 0) throw NotFound(name, shape.Select(c => c.Name));
        var column = columns[^1];
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar) Check(name, column.ItemType, info);
        else if (column.ItemType is not PrimitiveDataViewType item) throw WrongType(name, $"a vector of {column.ItemType}");
        else if (column.Kind == SchemaShape.Column.VectorKind.VariableVector) Check(name, new VectorDataViewType(item), info);
        else if (item != NumberDataViewType.Single) throw WrongType(name, $"a vector of {item}");
    }

    private static void Check(string name, DataViewType type, DcganModelInfo info)
    {
        switch (type)
        {
            case ImageDataViewType image:
                if (image.Height > 0 && (image.Height != info.ImageSize || image.Width != info.ImageSize))
                    throw new ArgumentOutOfRangeException("inputSchema",
                        $"DCGAN featurizer: column '{name}' holds {image.Width}x{image.Height} images but the model expects {info.ImageSize}x{info.ImageSize}; add mlContext.Transforms.ResizeImages before the featurizer");
                break;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single:
                if (vector.Size != info.PixelCount)
                    throw new ArgumentOutOfRangeException("inputSchema",
                        $"DCGAN featurizer: column '{name}' is a vector of {(vector.Size == 0 ? "unknown size" : vector.Size.ToString(CultureInfo.InvariantCulture))}; the model expects {info.PixelCount} pixels ({info.Channels}x{info.ImageSize}x{info.ImageSize}, planar, 0..255)");
                break;
            default:
                throw WrongType(name, type.ToString() ?? type.GetType().Name);
        }
    }

    private static ArgumentOutOfRangeException NotFound(string name, IEnumerable<string> columns) =>
        new("inputSchema", $"DCGAN featurizer: input column '{name}' not found (columns: {string.Join(", ", columns)})");

    private static ArgumentOutOfRangeException WrongType(string name, string type) =>
        new("inputSchema", $"DCGAN featurizer: column '{name}' has type {type}; expected an image (LoadImages/ResizeImages) or a vector of Single pixels");
}
