using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MlnetGan.ML;

/// <summary>
/// The few ML.NET members a third-party estimator in ML.NET's own style needs but ML.NET 5 keeps internal, reached by
/// reflection in this one place: the environment behind <c>mlContext.Transforms</c> (with its GPU settings), the catalogs
/// over an environment, and <c>SchemaShape.Create</c> (SchemaShape columns have no public constructor). A missing member fails with a clear message.
/// </summary>
internal static class MlNetInternals
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>The host environment of a catalog made by an <see cref="MLContext"/>.</summary>
    public static IHostEnvironment EnvironmentOf(TransformsCatalog catalog) =>
        typeof(TransformsCatalog).Assembly.GetType("Microsoft.ML.Data.IInternalCatalog")?.GetProperty("Environment", Any)?.GetValue(catalog) as IHostEnvironment
            ?? throw Missing("IInternalCatalog.Environment");

    /// <summary>
    /// The transform and data catalogs over <paramref name="environment"/>, as <see cref="MLContext"/> builds its own, so
    /// the components they make log to the user's context and draw on its seed.
    /// </summary>
    public static (TransformsCatalog Transforms, DataOperationsCatalog Data) CatalogsOf(IHostEnvironment environment) =>
        (Construct<TransformsCatalog>(environment), Construct<DataOperationsCatalog>(environment));

    /// <summary>The environment's <c>GpuDeviceId</c> and <c>FallbackToCpu</c> (what <c>MLContext</c> exposes publicly).</summary>
    public static (int? GpuDeviceId, bool FallbackToCpu) DeviceSettingsOf(IHostEnvironment environment)
    {
        if (environment is MLContext context) return (context.GpuDeviceId, context.FallbackToCpu);
        var type = environment.GetType();
        var gpu = type.GetProperty("GpuDeviceId", Any) ?? throw Missing($"{type.Name}.GpuDeviceId");
        var fallback = type.GetProperty("FallbackToCpu", Any) ?? throw Missing($"{type.Name}.FallbackToCpu");
        return ((int?)gpu.GetValue(environment), (bool)fallback.GetValue(environment)!);
    }

    /// <summary><c>SchemaShape.Create(schema)</c>: the shape of a concrete schema.</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) =>
        typeof(SchemaShape).GetMethod("Create", Any, [typeof(DataViewSchema)])?.Invoke(null, [schema]) as SchemaShape
            ?? throw Missing("SchemaShape.Create(DataViewSchema)");

    private static T Construct<T>(IHostEnvironment environment) =>
        typeof(T).GetConstructor(Any, [typeof(IHostEnvironment)])?.Invoke([environment]) is T catalog ? catalog : throw Missing($"{typeof(T).Name}(IHostEnvironment)");

    private static InvalidOperationException Missing(string member) =>
        new($"MlnetGan.ML needs ML.NET's {member}, which this version of Microsoft.ML does not have; use Microsoft.ML 5.0.x");
}
