// -Model accepts the names in the model table (any casing). Not a ValidateSet: PowerShell would
// then complete from the set and never show ModelCompleter's tooltips of what each model offers.
using System.Linq;
using System.Management.Automation;
using HighwayHailuo.Api;

namespace HighwayHailuo.Hosting
{
    internal sealed class ValidateModelAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            string? name = (arguments is PSObject ps ? ps.BaseObject : arguments) as string;
            if (HailuoModels.Canonical(name) == null)
                throw new ValidationMetadataException(
                    $"'{name}' is not a Hailuo model this module knows; use {string.Join(", ", HailuoModels.Names.Take(HailuoModels.Names.Count - 1))} or {HailuoModels.Names.Last()}.");
        }
    }
}
