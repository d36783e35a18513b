// Get-HailuoPrice: the estimated price table, one row per model, length and resolution the module
// offers, so a user can see what a batch would cost, and export, edit and re-import it.
using System.Collections.Generic;
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

        // The models asked for, each once, in the order first asked: piped tasks of one model give its rows once.
        private readonly List<string> _models = new List<string>();
        private bool _anyAsked;

        protected override void ProcessRecord()
        {
            if (Model == null)
                return; // a piped object with no Model (a task known only by its id) asks for nothing
            _anyAsked = true;
            foreach (string name in Model)
            {
                string? model = HailuoModels.Canonical(name);
                if (model == null)
                    WriteError(HailuoErrors.Record(SubmissionRules.UnknownModel(name), name));
                else if (!_models.Contains(model))
                    _models.Add(model);
            }
        }

        protected override void EndProcessing()
        {
            var rows = SessionSettings.Current.Prices.Rows();
            if (!_anyAsked && !MyInvocation.ExpectingInput)
                WriteObject(rows, enumerateCollection: true);
            foreach (string model in _models)
                WriteObject(rows.Where(r => r.Model == model), enumerateCollection: true);
        }
    }
}
