using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML;

/// <summary>
/// Selected rows of a <see cref="FeatureMatrix"/> as a data view: <c>Features</c> and, when the class names are given, a
/// key <c>Label</c> (class + 1) whose key values are the names (so a trained classifier's <c>PredictedLabel</c> carries them).
/// </summary>
internal sealed class FeatureRowsDataView : IDataView
{
    private readonly FeatureMatrix matrix;
    private readonly int[] indices;

    public FeatureRowsDataView(FeatureMatrix matrix, int[] indices, IReadOnlyList<string>? classes)
    {
        this.matrix = matrix;
        this.indices = indices;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, matrix.Dimension));
        if (classes is not null) builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classes.Count), NameAnnotations.Of("KeyValues", classes));
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => indices.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var order = (int[])indices.Clone();
        if (rand is not null) rand.Shuffle(order);
        return new Cursor(this, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(FeatureRowsDataView parent, int[] order) : DataViewRowCursor
    {
        private int position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override bool MoveNext() => ++position < order.Length;
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)order[position], 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index == 0
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
                {
                    var row = parent.matrix.Rows[order[position]];
                    var editor = VBufferEditor.Create(ref value, row.Length);
                    row.CopyTo(editor.Values);
                    value = editor.Commit();
                })
                : (ValueGetter<uint>)((ref uint value) => value = (uint)parent.matrix.Labels[order[position]] + 1);
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' is not {typeof(TValue).Name}");
        }
    }
}
