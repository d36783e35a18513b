// Import-Csv turns an empty cell into "" (and an empty last cell into $null). A blank value from a
// CSV row means "this row does not say", so it becomes the parameter's default, exactly as if the
// column were missing. Values are not validated here: the item checks do that, so that a bad cell
// is reported against its row (named and counted) instead of failing PowerShell's binding.
using System.Globalization;
using System.Management.Automation;
using HighwayHailuo.Api;
using HighwayHailuo.Planning;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.Hosting
{
    internal class BlankCellAsDefaultAttribute : ArgumentTransformationAttribute
    {
        private readonly object _default;

        public BlankCellAsDefaultAttribute(object defaultValue) => _default = defaultValue;

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value == null || (value is string text && string.IsNullOrWhiteSpace(text)) ? _default : inputData;
        }
    }

    /// <summary>
    /// -Duration: blank is the default length; a whole number (as a number or as text) is itself;
    /// anything else becomes <see cref="SubmissionRules.NotAWholeNumber"/>, which the item checks
    /// report as DurationNotSupported, so a row holding "abc" is named instead of failing binding.
    /// </summary>
    internal sealed class DurationTransformationAttribute : BlankCellAsDefaultAttribute
    {
        public DurationTransformationAttribute() : base(HailuoModels.DefaultDuration) { }

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = base.Transform(engineIntrinsics, inputData);
            if (value is PSObject ps)
                value = ps.BaseObject;
            switch (value)
            {
                case int whole:
                    return whole;
                case long or short or byte or uint or ulong or ushort or sbyte or double or float or decimal:
                    decimal number;
                    try { number = System.Convert.ToDecimal(value, CultureInfo.InvariantCulture); }
                    catch (System.OverflowException) { return SubmissionRules.NotAWholeNumber; }
                    return number == decimal.Truncate(number) && number > int.MinValue && number <= int.MaxValue ? (int)number : SubmissionRules.NotAWholeNumber;
                case string text:
                    return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed != SubmissionRules.NotAWholeNumber
                        ? parsed : SubmissionRules.NotAWholeNumber;
                default:
                    return SubmissionRules.NotAWholeNumber;
            }
        }
    }
}
