// Why -Path needs this: for each pipeline binding state PowerShell tries the default parameter set
// (LiteralPath) first, and -Prompt, which is in every set, binding from a CSV row counts as
// "something was bound", so -Path never gets its by-property-name turn; the row would then be
// coerced whole into one string ("@{Path=a.jpg; Prompt=...}") for -Path by value. Transformations
// run even in the first, no-coercion state, so this hands -Path the row's own Path/Url/ImageUri
// value there (a blank cell skipped), and a FileInfo's full path (Windows PowerShell stringifies some to a bare name).
// Objects with a PSPath (Get-ChildItem output) are left alone: -LiteralPath binds their PSPath.
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    internal sealed class ImagePathTransformationAttribute : ArgumentTransformationAttribute
    {
        // SourceImage: a HailuoTask piped back in (a draft rendered again with another model) names its image.
        private static readonly string[] s_pathProperties = { "Path", "Url", "ImageUri", "SourceImage" };

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps && ps.BaseObject is IList ? ps.BaseObject : inputData;
            if (value is IList list && !(value is string))
            {
                var items = new List<object?>(list.Count);
                foreach (var item in list)
                    items.Add(TransformOne(item));
                return items.ToArray();
            }
            return TransformOne(inputData);
        }

        private static object? TransformOne(object? item)
        {
            if (item is PSObject ps)
            {
                if (ps.Properties["PSPath"] != null)
                    return item;
                switch (ps.BaseObject)
                {
                    case string text:
                        return text;
                    case FileSystemInfo info:
                        return info.FullName;
                    case HailuoTask task when task.SourceImage == null:
                        // Not its task id as a file name: say what to do instead.
                        throw new ArgumentTransformationMetadataException(
                            $"Task '{task.TaskId}' has no source image{(task.Model == null ? " this session knows of" : ": it was made from text only")}; to make it again, pipe it to New-HailuoVideo -TextOnly.");
                }
                // The first of Path, Url, ImageUri with a value: Import-Csv gives a blank cell as "",
                // so a CSV with both a Path and a Url column has one of them blank in every row.
                foreach (var name in s_pathProperties)
                {
                    object? value = ps.Properties[name]?.Value;
                    if (value is PSObject inner)
                        value = inner.BaseObject;
                    if (value != null && !(value is string text && string.IsNullOrWhiteSpace(text)))
                        return value;
                }
                return item;
            }
            return item is FileSystemInfo file ? file.FullName : item;
        }
    }
}
