// Makes the test code and Import-Module share one copy of the module assembly: the staged one.
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Tests;

internal static class StagedModuleResolver
{
    [ModuleInitializer]
    internal static void Register()
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name == "HighwayHailuo"
                ? context.LoadFromAssemblyPath(Path.Combine(PowerShellSession.ModuleFolder, "HighwayHailuo.dll"))
                : null;
    }
}
