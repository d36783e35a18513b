// Which PowerShell can run the module, and which of its own dependency copies it may hand out:
// decisions kept apart from the import, so they are unit-tested for hosts this machine cannot run.
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace HighwayHailuo.Hosting
{
    internal static class HostSupport
    {
        /// <summary>
        /// Why this host cannot run the module, or null when it can. Windows PowerShell 5.1 (.NET
        /// Framework) has no System.Text.Json, so the module brings its own (dependencies/). A
        /// PowerShell 7 uses its runtime's copy, which must be at least the version the module is
        /// built against: 7.0-7.3 (.NET Core 3.1 to .NET 7) carry older ones, and the runtime
        /// cannot load a second copy beside its own, so they would fail at the first JSON read,
        /// which can come after a paid submission. They are refused at import instead.
        /// </summary>
        public static string? Refusal(bool netFramework, Version engine, Version? hostJson, Version neededJson)
        {
            if (netFramework || (hostJson != null && hostJson >= neededJson))
                return null;
            return $"HighwayHailuo needs PowerShell 7.4 or later, or Windows PowerShell 5.1. This is PowerShell {engine.Major}.{engine.Minor}, "
                + $"whose .NET runtime carries System.Text.Json {(hostJson == null ? "(none)" : hostJson.ToString())}; the module is built against {neededJson}, "
                + "and PowerShell cannot load a second copy beside its own. Nothing was sent. Use PowerShell 7.4 or later (in Azure Automation, a PowerShell 7.4 runtime).";
        }

        /// <summary>
        /// The file in <paramref name="folder"/> that answers a request for an assembly, or null: only
        /// for names the module ships there, and never a copy older than the one asked for.
        /// </summary>
        public static string? DependencyFile(AssemblyName requested, ISet<string> shipped, string folder, Func<string, Version?> versionOf)
        {
            if (requested.Name == null || !shipped.Contains(requested.Name))
                return null;
            string path = Path.Combine(folder, requested.Name + ".dll");
            var candidate = versionOf(path);
            if (candidate == null)
                return null;
            return requested.Version != null && candidate < requested.Version ? null : path;
        }
    }
}
