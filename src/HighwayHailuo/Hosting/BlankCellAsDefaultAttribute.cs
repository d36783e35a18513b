// Import-Csv turns an empty cell into "" (and an empty last cell into $null), which would fail -Duration's and -Resolution's checks
// ("" is 0 seconds, and no resolution). A blank value from a CSV row means "this row does not say",
// so it becomes the parameter's default, exactly as if the column were missing.
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    internal sealed class BlankCellAsDefaultAttribute : ArgumentTransformationAttribute
    {
        private readonly object _default;

        public BlankCellAsDefaultAttribute(object defaultValue) => _default = defaultValue;

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value == null || (value is string text && string.IsNullOrWhiteSpace(text)) ? _default : inputData;
        }
    }
}
