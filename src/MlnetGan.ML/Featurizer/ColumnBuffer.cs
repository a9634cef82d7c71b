using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlnetGan.ML;

/// <summary>
/// Holds one input column's values for the rows of a batch, so that a cursor that reads ahead can still serve the
/// pass-through columns of the row it is on. Vectors are copied into per-slot buffers; images are cloned.
/// </summary>
internal abstract class ColumnBuffer
{
    /// <summary>A buffer of <paramref name="capacity"/> slots reading <paramref name="column"/> from <paramref name="row"/>.</summary>
    public static ColumnBuffer Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var raw = column.Type.RawType;
        Type bufferType = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorBuffer<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(ValueBuffer<>).MakeGenericType(raw);
        return (ColumnBuffer)Activator.CreateInstance(bufferType, row, column, capacity)!;
    }

    /// <summary>Copies the row's current value into <paramref name="slot"/>.</summary>
    public abstract void Store(int slot);

    /// <summary>A getter that serves the value stored at the slot <paramref name="slot"/> returns.</summary>
    public abstract Delegate MakeGetter(Func<int> slot);

    private sealed class ValueBuffer<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBuffer
    {
        private readonly ValueGetter<T> getter = row.GetGetter<T>(column);
        private readonly T[] values = new T[capacity];

        public override void Store(int slot)
        {
            T value = default!;
            getter(ref value);
            if (value is MLImage image)
            {
                (values[slot] as IDisposable)?.Dispose();
                value = (T)(object)MLImage.CreateFromPixels(image.Width, image.Height, image.PixelFormat, image.Pixels);
            }
            values[slot] = value;
        }

        public override Delegate MakeGetter(Func<int> slot) => (ValueGetter<T>)((ref T destination) => destination = values[slot()]);
    }

    private sealed class VectorBuffer<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnBuffer
    {
        private readonly ValueGetter<VBuffer<T>> getter = row.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] values = new VBuffer<T>[capacity];

        public override void Store(int slot) => getter(ref values[slot]);

        public override Delegate MakeGetter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> destination) => values[slot()].CopyTo(ref destination));
    }
}
