using System.Reflection;

namespace MlnetGan.Gan;

/// <summary>The MlnetGan version, for provenance in run configs and model metadata.</summary>
public static class VersionInfo
{
    /// <summary>The informational version of this assembly (without source-revision suffix).</summary>
    public static string Version { get; } =
        (typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
}
