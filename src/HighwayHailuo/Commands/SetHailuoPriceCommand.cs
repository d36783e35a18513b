// Set-HailuoPrice: replaces or extends the estimated price table for this session, from parameters
// or from rows (Import-Csv prices.csv | Set-HailuoPrice), so estimates follow the user's own
// figures. Only this runspace's table changes; a new session starts from the built-in figures.
using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Planning;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Sets the estimated price of a video of one model, length and resolution for this session, or with -Reset goes back to the built-in figures.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "HailuoPrice", DefaultParameterSetName = RowSet, SupportsShouldProcess = false)]
    [OutputType(typeof(HailuoPriceEstimate))]
    public sealed class SetHailuoPriceCommand : PSCmdlet
    {
        private const string RowSet = "Row";
        private const string ResetSet = "Reset";
        private const string UserSource = "set with Set-HailuoPrice";

        /// <summary>
        /// <para type="description">The model the price is for (Hailuo-2.3, Hailuo-2.3-Fast, Hailuo-02).</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ModelCompleter))]
        public string Model { get; set; } = "";

        /// <summary>
        /// <para type="description">The video's length in seconds (6 or 10).</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(DurationCompleter))]
        public int Duration { get; set; }

        /// <summary>
        /// <para type="description">The video's resolution (768P or 1080P).</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 2, ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ResolutionCompleter))]
        public string Resolution { get; set; } = "";

        /// <summary>
        /// <para type="description">The estimated price of one such video, a number of at least 0 (read with a dot as the decimal point when it is text). Empty or $null drops this session's figure for the row, back to the built-in one or unknown.</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 3, ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Price")]
        [AllowNull, AllowEmptyString]
        public object? EstimatedPrice { get; set; }

        /// <summary>
        /// <para type="description">The currency of the price, as a three-letter code (default USD).</para>
        /// </summary>
        [Parameter(ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? Currency { get; set; }

        /// <summary>
        /// <para type="description">Where the figure comes from, shown beside every estimate made with it (default "set with Set-HailuoPrice").</para>
        /// </summary>
        [Parameter(ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? Source { get; set; }

        /// <summary>
        /// <para type="description">The date the figure was taken (default today).</para>
        /// </summary>
        [Parameter(ParameterSetName = RowSet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public object? AsOf { get; set; }

        /// <summary>
        /// <para type="description">Drops every figure set in this session: the built-in table again.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = ResetSet)]
        public SwitchParameter Reset { get; set; }

        /// <summary>
        /// <para type="description">Writes the row as it now stands.</para>
        /// </summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var prices = SessionSettings.Current.Prices;
            if (Reset)
            {
                prices.Reset();
                WriteVerbose("The price table is the built-in one again.");
                if (PassThru)
                    WriteObject(prices.Rows(), enumerateCollection: true);
                return;
            }
            try
            {
                var row = Row();
                if (row.EstimatedPrice == null)
                    prices.Drop(row.Model, row.Duration, row.Resolution);
                else
                    prices.Set(row);
                if (PassThru)
                    WriteObject(prices.Find(row.Model, row.Duration, row.Resolution));
            }
            catch (HailuoException ex)
            {
                WriteError(HailuoErrors.Record(ex, EstimatedPrice));
            }
        }

        /// <summary>The row the parameters describe, checked against the model table.</summary>
        private HailuoPriceEstimate Row()
        {
            string model = HailuoModels.Canonical(Model)
                ?? throw SubmissionRules.UnknownModel(Model);
            string resolution = (Resolution ?? "").Trim().ToUpperInvariant();
            if (!HailuoModels.Endpoints.Any(e => e.Model == model && e.Allows(Duration, resolution)))
                throw Invalid($"{model} makes no {Duration} s {resolution} video, so it has no price. It makes: {string.Join(", ", HailuoModels.Endpoints.Where(e => e.Model == model).SelectMany(e => e.Formats).Distinct())}.");
            decimal? price = Price(EstimatedPrice is PSObject ps ? ps.BaseObject : EstimatedPrice);
            string currency = string.IsNullOrWhiteSpace(Currency) ? Costs.PriceTable.DefaultCurrency : Currency!.Trim().ToUpperInvariant();
            if (currency.Length != 3 || !currency.All(c => c >= 'A' && c <= 'Z'))
                throw Invalid($"'{Currency}' is not a three-letter currency code (USD, EUR).");
            return new HailuoPriceEstimate(model, Duration, resolution, price, price == null ? null : currency,
                string.IsNullOrWhiteSpace(Source) ? UserSource : Source!.Trim(), Date(AsOf is PSObject d ? d.BaseObject : AsOf));
        }

        private decimal? Price(object? value)
        {
            decimal price;
            switch (value)
            {
                case null:
                    return null;
                case string text when string.IsNullOrWhiteSpace(text):
                    return null;
                case string text:
                    // A dot is the decimal point; a comma too where this session's culture writes one
                    // (a CSV exported here), but never as a thousands separator: '0,25' is not 25.
                    const NumberStyles plain = NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign;
                    if (!decimal.TryParse(text.Trim(), plain, CultureInfo.InvariantCulture, out price)
                        && !(CultureInfo.CurrentCulture.NumberFormat.NumberDecimalSeparator == "," && decimal.TryParse(text.Trim(), plain, CultureInfo.CurrentCulture, out price)))
                        throw Invalid($"'{text}' is not a price: write a number with a dot as the decimal point (0.28).");
                    break;
                default:
                    try
                    {
                        price = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                    }
                    catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
                    {
                        throw Invalid($"A {value.GetType().Name} is not a price: give a number (0.28).");
                    }
                    break;
            }
            if (price < 0)
                throw Invalid($"A price cannot be below 0 ({price.ToString(CultureInfo.InvariantCulture)} was given).");
            return price;
        }

        private static DateTime? Date(object? value)
        {
            switch (value)
            {
                case null:
                case string blank when string.IsNullOrWhiteSpace(blank):
                    return DateTime.UtcNow.Date;
                case DateTime date:
                    return date;
                case DateTimeOffset offset:
                    return offset.UtcDateTime;
                // This session's culture first: a date Export-Csv wrote here comes back as it was (03/12/2026
                // is 3 December in en-GB); 2026-12-03 reads the same everywhere.
                case string text when DateTime.TryParse(text.Trim(), CultureInfo.CurrentCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                    || DateTime.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out parsed):
                    return parsed;
                default:
                    throw Invalid($"'{value}' is not a date: write it as 2026-12-03.");
            }
        }

        private static HailuoException Invalid(string message) => new HailuoException(ErrorIds.InvalidPrice, message);
    }
}
