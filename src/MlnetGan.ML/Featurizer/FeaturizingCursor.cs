using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML;

/// <summary>
/// A cursor that pulls up to a batch of rows from its input cursor, featurizes them in one ONNX Runtime call, then
/// serves them one by one: the features (and scores) from the batch's output, every other column from per-row copies.
/// </summary>
internal sealed class FeaturizingCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor input;
    private readonly DcganFeaturizerTransformer parent;
    private readonly bool[] active;
    private readonly ColumnBuffer?[] passThrough;
    private readonly PixelReader pixelReader;
    private readonly ValueGetter<DataViewRowId> idGetter;
    private readonly DataViewRowId[] ids;
    private readonly long[] batches;
    private readonly float[] pixels;
    private readonly float[] features;
    private readonly float[]? scores;
    private readonly DataViewSchema schema;
    private int count;
    private int slot = -1;
    private long position = -1;
    private bool done;

    // schema: the view's output schema, the very instance of the view's Schema, which ML.NET's trainers compare by reference.
    public FeaturizingCursor(DcganFeaturizerTransformer parent, DataViewRowCursor input, bool[] active, DataViewSchema schema)
    {
        this.parent = parent;
        this.input = input;
        this.active = active;
        var info = parent.ModelInfo;
        int batch = parent.Options.BatchSize;
        pixelReader = new PixelReader(input, parent.Options.InputColumnName, info);
        passThrough = new ColumnBuffer?[input.Schema.Count];
        for (int i = 0; i < input.Schema.Count; i++)
            if (active[i]) passThrough[i] = ColumnBuffer.Create(input, input.Schema[i], batch);
        idGetter = input.GetIdGetter();
        ids = new DataViewRowId[batch];
        batches = new long[batch];
        pixels = new float[batch * info.PixelCount];
        features = new float[batch * info.FeatureLength];
        scores = parent.HasScore ? new float[batch * info.ScoreLength] : null;
        this.schema = schema;
    }

    public override DataViewSchema Schema => schema;

    public override long Position => position;

    public override long Batch => slot >= 0 ? batches[slot] : 0;

    public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

    public override bool MoveNext()
    {
        if (done) return false;
        if (++slot >= count && !Fill())
        {
            done = true;
            return false;
        }
        position++;
        return true;
    }

    private bool Fill()
    {
        var info = parent.ModelInfo;
        count = 0;
        slot = 0;
        while (count < ids.Length && input.MoveNext())
        {
            pixelReader.Read(pixels.AsSpan(count * info.PixelCount, info.PixelCount), input.Position);
            idGetter(ref ids[count]);
            batches[count] = input.Batch;
            foreach (var buffer in passThrough) buffer?.Store(count);
            count++;
        }
        if (count == 0) return false;
        parent.Session.Run(pixels, count, features, scores);
        return true;
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!active[column.Index]) throw new InvalidOperationException($"column '{column.Name}' is not active in this cursor");
        Delegate getter;
        if (column.Index == input.Schema.Count)
            getter = Slice(features, parent.ModelInfo.FeatureLength);
        else if (column.Index == input.Schema.Count + 1)
            getter = Slice(scores!, parent.ModelInfo.ScoreLength);
        else
            getter = passThrough[column.Index]!.MakeGetter(() => slot);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"column '{column.Name}' holds {column.Type.RawType.Name}, not {typeof(TValue).Name}");
    }

    private ValueGetter<VBuffer<float>> Slice(float[] source, int length) => (ref VBuffer<float> destination) =>
    {
        var editor = VBufferEditor.Create(ref destination, length);
        source.AsSpan(slot * length, length).CopyTo(editor.Values);
        destination = editor.Commit();
    };

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = ids[slot];

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}
