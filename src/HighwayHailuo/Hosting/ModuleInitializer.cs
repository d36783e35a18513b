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
            // Before anything else: a PowerShell that cannot run the module says so now, at import.
            var neededJson = Array.Find(typeof(ModuleInitializer).Assembly.GetReferencedAssemblies(), a => a.Name == "System.Text.Json")?.Version;
            bool netFramework = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
            if (neededJson != null && !netFramework
                && HostSupport.Refusal(netFramework, typeof(PSObject).Assembly.GetName().Version ?? new Version(0, 0), HostJsonVersion(), neededJson) is string refusal)
            {
                throw new PlatformNotSupportedException(refusal);
            }
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

        // The runtime's own System.Text.Json (PowerShell 7), or null when it has none.
        private static Version? HostJsonVersion()
        {
            try
            {
                return Assembly.Load(new AssemblyName("System.Text.Json")).GetName().Version;
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is FileLoadException || ex is BadImageFormatException)
            {
                return null;
            }
        }

        /// <summary>Answers only for assemblies shipped in dependencies/, and only when the host has none.</summary>
        private static Assembly? ResolveOwnDependency(object? sender, ResolveEventArgs args)
        {
            string? path = HostSupport.DependencyFile(new AssemblyName(args.Name), s_ownDependencies, s_dependencyFolder,
                file => File.Exists(file) ? AssemblyName.GetAssemblyName(file).Version : null);
            return path == null ? null : Assembly.LoadFrom(path);
        }
    }
}
