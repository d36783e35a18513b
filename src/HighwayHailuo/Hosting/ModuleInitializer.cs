// Loads the module's own copies of its dependencies (System.Text.Json and its netstandard
// helpers, in dependencies/) when the host cannot supply them: Windows PowerShell 5.1 has none of
// them. PowerShell 7 resolves them from its own runtime first, so this handler never runs there
// for System.Text.Json and the module shares the host's copy instead of clashing with it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace HighwayHailuo.Hosting
{
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        private static readonly object s_lock = new object();
        private static bool s_registered;
        private static string s_dependencyFolder = "";
        private static HashSet<string> s_ownDependencies = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public void OnImport()
        {
            lock (s_lock)
            {
                if (s_registered)
                    return;
                string moduleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? "";
                s_dependencyFolder = Path.Combine(moduleFolder, "dependencies");
                if (!Directory.Exists(s_dependencyFolder))
                    return;
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var file in Directory.GetFiles(s_dependencyFolder, "*.dll"))
                    names.Add(Path.GetFileNameWithoutExtension(file));
                s_ownDependencies = names;
                AppDomain.CurrentDomain.AssemblyResolve += ResolveOwnDependency;
                s_registered = true;
            }
        }

        /// <summary>Answers only for assemblies shipped in dependencies/, and only when the host has none.</summary>
        private static Assembly? ResolveOwnDependency(object? sender, ResolveEventArgs args)
        {
            var requested = new AssemblyName(args.Name);
            if (requested.Name == null || !s_ownDependencies.Contains(requested.Name))
                return null;
            string path = Path.Combine(s_dependencyFolder, requested.Name + ".dll");
            if (!File.Exists(path))
                return null;
            var candidate = AssemblyName.GetAssemblyName(path);
            // Never hand out an older copy than the one asked for.
            if (requested.Version != null && candidate.Version != null && candidate.Version < requested.Version)
                return null;
            return Assembly.LoadFrom(path);
        }
    }
}
