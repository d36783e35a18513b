// Why -Path needs this: for each pipeline binding state PowerShell tries the default parameter set
// (LiteralPath) first, and -Prompt, which is in every set, binding from a CSV row counts as
// "something was bound", so -Path never gets its by-property-name turn; the row would then be
// coerced whole into one string ("@{Path=a.jpg; Prompt=...}") for -Path by value. Transformations
// run even in the first, no-coercion state, so this hands -Path the row's own Path/Url/ImageUri
// value there (a blank cell skipped), and a FileInfo's full path (Windows PowerShell stringifies some to a bare name).
// Objects with a PSPath (Get-ChildItem output) are left alone: -LiteralPath binds their PSPath.
// A row (or task, or hashtable) that names no image gives no path at all, so the item checks
// report it as ImageMissing against its row, instead of a file named "@{Prompt=...}".
using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    internal sealed class ImagePathTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps && ps.BaseObject is IList ? ps.BaseObject : inputData;
            if (value is IList list && !(value is string))
            {
                var items = new List<object?>(list.Count);
                foreach (var item in list)
                {
                    object? one = TransformOne(item);
                    if (!(one is string[] none && none.Length == 0))
                        items.Add(one);
                }
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
                    case Uri uri:
                        return uri.OriginalString;
                    case IDictionary:
                        return Array.Empty<string>(); // keys are not properties: PowerShell binds none of them
                }
                object? named = ImageInputNames.FirstValue(ps, ImageInputNames.ForPath);
                if (named != null)
                    return named;
                // A row with a LiteralPath (or LP) column is -LiteralPath's: left alone, -Path binds
                // nothing here and -LiteralPath takes the row by property name.
                if (ImageInputNames.FirstValue(ps, ImageInputNames.All) != null)
                    return item;
                // A bag of properties with no image among them: no path, rather than its text.
                return ps.BaseObject is PSCustomObject || ps.BaseObject is HailuoTask ? Array.Empty<string>() : item;
            }
            return item switch
            {
                FileSystemInfo file => file.FullName,
                Uri uri => uri.OriginalString,
                IDictionary => Array.Empty<string>(),
                HailuoTask task => task.SourceImage != null ? (object)task.SourceImage : Array.Empty<string>(),
                _ => item,
            };
        }
    }
}
