using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>
/// An <see cref="ImageDataset"/> as an ML.NET data view without copying it: <c>Pixels</c>, a vector of Single holding
/// the planar 0..255 pixels (what the featurizer takes), and <c>Label</c>, the class index as a key (1-based; 0 = unlabeled)
/// whose key values are the class names. Optionally each image mirrored left to right (the horizontal flip).
/// </summary>
public sealed class ImageDatasetDataView : IDataView
{
    private readonly ImageDataset dataset;
    private readonly bool flipHorizontally;

    /// <summary>A view of <paramref name="dataset"/>'s images and labels.</summary>
    /// <param name="dataset">The images; they are read, not copied.</param>
    /// <param name="flipHorizontally">Serve every image mirrored left to right.</param>
    public ImageDatasetDataView(ImageDataset dataset, bool flipHorizontally = false)
    {
        this.dataset = dataset;
        this.flipHorizontally = flipHorizontally;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Pixels", new VectorDataViewType(NumberDataViewType.Single, dataset.ImageLength));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), Math.Max(1, dataset.ClassNames.Count)), NameAnnotations.Of("KeyValues", dataset.ClassNames));
        Schema = builder.ToSchema();
    }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public long? GetRowCount() => dataset.Count;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, 0, dataset.Count);

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(ImageDatasetDataView parent, int start, int end) : DataViewRowCursor
    {
        private long position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext() => ++position < end - start;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)(start + position), 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var image = parent.dataset.GetImage(start + (int)position);
                    var editor = VBufferEditor.Create(ref value, image.Length);
                    if (parent.flipHorizontally) CopyFlipped(image, editor.Values, parent.dataset.Width);
                    else for (int i = 0; i < image.Length; i++) editor.Values[i] = image[i];
                    value = editor.Commit();
                }),
                1 => (ValueGetter<uint>)((ref uint value) =>
                {
                    int label = parent.dataset.Labels[start + (int)position];
                    value = label < 0 ? 0u : (uint)label + 1;
                }),
                _ => throw new ArgumentOutOfRangeException(nameof(column)),
            };
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' is not {typeof(TValue).Name}");
        }

        // Planar pixels: every row of every channel is reversed.
        private static void CopyFlipped(ReadOnlySpan<byte> image, Span<float> destination, int width)
        {
            for (int row = 0; row < image.Length; row += width)
                for (int x = 0; x < width; x++) destination[row + x] = image[row + width - 1 - x];
        }
    }
}
