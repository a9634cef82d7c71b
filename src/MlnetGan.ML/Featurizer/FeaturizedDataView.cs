using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML;

/// <summary>The lazy output of <see cref="DcganFeaturizerTransformer.Transform"/>: rows stream through batched cursors.</summary>
internal sealed class FeaturizedDataView(DcganFeaturizerTransformer parent, IDataView input) : IDataView
{
    public DataViewSchema Schema { get; } = parent.GetOutputSchema(input.Schema);

    public bool CanShuffle => input.CanShuffle;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (active, inputColumns) = Plan(columnsNeeded);
        return new FeaturizingCursor(parent, input.GetRowCursor(inputColumns, rand), active, Schema);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (active, inputColumns) = Plan(columnsNeeded);
        return input.GetRowCursorSet(inputColumns, n, rand).Select(cursor => (DataViewRowCursor)new FeaturizingCursor(parent, cursor, active, Schema)).ToArray();
    }

    /// <summary>Which output columns are active, and which input columns the cursor needs for them.</summary>
    private (bool[] Active, List<DataViewSchema.Column> InputColumns) Plan(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        var active = new bool[Schema.Count];
        var inputColumns = new List<DataViewSchema.Column> { input.Schema[parent.Options.InputColumnName] };
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
            if (column.Index < input.Schema.Count) inputColumns.Add(input.Schema[column.Index]);
        }
        return (active, inputColumns.Distinct().ToList());
    }
}

/// <summary>Row-by-row featurization for <c>PredictionEngine</c> and other row-to-row consumers.</summary>
internal sealed class FeaturizingRowMapper(DcganFeaturizerTransformer parent, DataViewSchema inputSchema) : IRowToRowMapper
{
    public DataViewSchema InputSchema { get; } = inputSchema;

    public DataViewSchema OutputSchema { get; } = parent.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<DataViewSchema.Column>();
        foreach (var column in dependingColumns)
        {
            if (column.Index < InputSchema.Count) needed.Add(InputSchema[column.Index]);
            else needed.Add(InputSchema[parent.Options.InputColumnName]);
        }
        return needed;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new FeaturizedRow(parent, input, OutputSchema, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class FeaturizedRow : DataViewRow
    {
        private readonly DcganFeaturizerTransformer parent;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private readonly float[] pixels;
        private readonly float[] features;
        private readonly float[]? scores;
        private readonly PixelReader? pixelReader;
        private long computedFor = -1;

        public FeaturizedRow(DcganFeaturizerTransformer parent, DataViewRow input, DataViewSchema schema, HashSet<int> active)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            Schema = schema;
            var info = parent.ModelInfo;
            pixels = new float[info.PixelCount];
            features = new float[info.FeatureLength];
            scores = parent.HasScore ? new float[info.ScoreLength] : null;
            if (active.Any(i => i >= input.Schema.Count)) pixelReader = new PixelReader(input, parent.Options.InputColumnName, info);
        }

        public override DataViewSchema Schema { get; }

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int n = input.Schema.Count;
            if (column.Index < n) return input.GetGetter<TValue>(input.Schema[column.Index]);
            var source = column.Index == n ? features : scores!;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                Compute();
                var editor = VBufferEditor.Create(ref destination, source.Length);
                source.AsSpan().CopyTo(editor.Values);
                destination = editor.Commit();
            };
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"column '{column.Name}' holds VBuffer<Single>, not {typeof(TValue).Name}");
        }

        private void Compute()
        {
            if (computedFor == input.Position && input.Position >= 0) return;
            pixelReader!.Read(pixels, input.Position);
            parent.Session.Run(pixels, 1, features, scores);
            computedFor = input.Position;
        }
    }
}

/// <summary>A data view with a schema and no rows, for fitting estimators that only look at the schema.</summary>
internal sealed class EmptyDataView(DataViewSchema schema) : IDataView
{
    public DataViewSchema Schema { get; } = schema;

    public bool CanShuffle => false;

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(Schema)];

    private sealed class Cursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;
        public override long Position => -1;
        public override long Batch => 0;
        public override bool MoveNext() => false;
        public override bool IsColumnActive(DataViewSchema.Column column) => false;
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => throw new InvalidOperationException("an empty data view has no values");
        public override ValueGetter<DataViewRowId> GetIdGetter() => throw new InvalidOperationException("an empty data view has no rows");
    }
}
