namespace MlnetGan.Cli.Tests;

/// <summary>Runs the built <c>mlnetgan</c> in a child process, as a user would, and captures what it prints.</summary>
internal static class CliRunner
{
    public static ChildProcess.Result Run(params string[] args) =>
        ChildProcess.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "mlnetgan.dll"), .. args], TimeSpan.FromMinutes(3));
}
