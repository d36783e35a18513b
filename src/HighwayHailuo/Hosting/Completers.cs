// Tab completion for values PowerShell cannot know on its own: this session's task ids, the models
// with what each offers, and folders for -Destination. (Enum values complete without help.)
using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using HighwayHailuo.Api;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.Hosting
{
    /// <summary>Completes the ids of tasks this session submitted or saw, newest first, with their status as the tooltip.</summary>
    public sealed class TaskIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return SessionSettings.Current.KnownTasks
                .Where(t => t.TaskId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(t => t.SubmittedAt ?? t.LastUpdated)
                .Select(t => new CompletionResult(t.TaskId, t.TaskId, CompletionResultType.ParameterValue,
                    t.Status + (t.ProgressPercent is int p && !t.IsCompleted ? " " + p + "%" : "") + (t.SourceImage == null ? "" : " - " + t.SourceImage)));
        }
    }

    /// <summary>Completes the model names, each with what it offers as the tooltip (from the one table).</summary>
    public sealed class ModelCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return HailuoModels.Names
                .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, Describe(name)));
        }

        internal static string Describe(string model)
        {
            var endpoints = HailuoModels.Endpoints.Where(e => e.Model == model).ToList();
            var offers = new List<string> { endpoints.Any(e => !e.TakesImage) ? "image or text to video" : "image to video only" };
            if (endpoints.Any(e => e.TakesLastFrame))
                offers.Add("last frame");
            if (!endpoints.Any(e => e.TakesFastPretreatment))
                offers.Add("no -FastPretreatment");
            if (endpoints.Any(e => e.ListsCameraCommands))
                offers.Add("camera commands");
            return model + (model == HailuoModels.Default ? " (default)" : "") + ": " + string.Join(", ", offers);
        }
    }

    /// <summary>Completes the video lengths the model table offers, shortest first (6 before 10, not as text sorts them).</summary>
    public sealed class DurationCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return HailuoModels.Durations
                .Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Where(d => d.StartsWith(prefix, StringComparison.Ordinal))
                .Select(d => new CompletionResult(d, d, CompletionResultType.ParameterValue,
                    d + " seconds: " + string.Join(" or ", HailuoModels.Resolutions.Where(r => HailuoModels.DefaultEndpoint.Allows(int.Parse(d, System.Globalization.CultureInfo.InvariantCulture), r)))));
        }
    }

    /// <summary>Completes the resolutions the model table offers, lowest first (768P before 1080P).</summary>
    public sealed class ResolutionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return HailuoModels.Resolutions
                .Where(r => r.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r, r, CompletionResultType.ParameterValue,
                    r + ": " + string.Join(" or ", HailuoModels.Durations.Where(d => HailuoModels.DefaultEndpoint.Allows(d, r))) + " seconds"));
        }
    }

    /// <summary>Completes folders only, as a place to save videos, relative to the current file-system location.</summary>
    public sealed class FolderCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string word = (wordToComplete ?? "").Trim('\'', '"');
            string? current = CurrentFolder();
            if (current == null)
                return Array.Empty<CompletionResult>();
            int slash = word.LastIndexOfAny(new[] { '/', '\\' });
            string typedFolder = slash >= 0 ? word.Substring(0, slash + 1) : "";
            string prefix = word.Substring(slash + 1);
            string folder;
            try
            {
                folder = Path.Combine(current, typedFolder.Length == 0 ? "." : typedFolder);
                if (!Directory.Exists(folder))
                    return Array.Empty<CompletionResult>();
                return Directory.GetDirectories(folder, prefix + "*")
                    .Select(Path.GetFileName)
                    .OrderBy(name => name, StringComparer.OrdinalIgnoreCase)
                    .Select(name =>
                    {
                        string text = typedFolder + name;
                        string quoted = text.IndexOfAny(new[] { ' ', '\'', '$', '`', '(', ')', '{', '}', ';', '&' }) >= 0 ? "'" + text.Replace("'", "''") + "'" : text;
                        return new CompletionResult(quoted, name, CompletionResultType.ProviderContainer, text);
                    })
                    .ToList();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                return Array.Empty<CompletionResult>();
            }
        }

        // Completion runs inside a pipeline, so the location is read by a nested one, not the runspace's proxy.
        private static string? CurrentFolder()
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath");
            return ps.Invoke().FirstOrDefault()?.BaseObject as string;
        }
    }
}
