// Get-HailuoPrice: the estimated price table, one row per model, length and resolution the module
// offers, so a user can see what a batch would cost, and export, edit and re-import it.
using System.Linq;
using System.Management.Automation;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Planning;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists the estimated price of a video per model, length and resolution: built-in figures, this session's Set-HailuoPrice rows, or unknown.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "HailuoPrice")]
    [OutputType(typeof(HailuoPriceEstimate))]
    public sealed class GetHailuoPriceCommand : PSCmdlet
    {
        /// <summary>
        /// <para type="description">Only these models' rows (Hailuo-2.3, Hailuo-2.3-Fast, Hailuo-02). By default, every model's.</para>
        /// </summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string[]? Model { get; set; }

        protected override void ProcessRecord()
        {
            var rows = SessionSettings.Current.Prices.Rows();
            if (Model == null)
            {
                WriteObject(rows, enumerateCollection: true);
                return;
            }
            foreach (string name in Model)
            {
                string? model = HailuoModels.Canonical(name);
                if (model == null)
                {
                    WriteError(HailuoErrors.Record(SubmissionRules.UnknownModel(name), name));
                    continue;
                }
                WriteObject(rows.Where(r => r.Model == model), enumerateCollection: true);
            }
        }
    }
}
