// The estimated price of a video, per model, length and resolution. The built-in figures are the
// only public ones (Hailuo 2.3's, from third-party price lists quoted in the API reference); no
// figure is invented for another model, which reads "unknown" until the user sets one. A session's
// Set-HailuoPrice rows replace or extend the built-in ones.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.Costs
{
    internal sealed class PriceTable
    {
        public const string DefaultCurrency = "USD";
        public const string UnknownSource = "unknown: no public figure; set one with Set-HailuoPrice";

        private const string ReferenceSource =
            "third-party public price lists for Hailuo 2.3, as quoted in the Highway API reference (section 6); not a price Highway publishes";
        private static readonly DateTime s_referenceTaken = new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>The built-in figures: Hailuo 2.3 only (both modes: the lists price the model, not the mode).</summary>
        public static IReadOnlyList<HailuoPriceEstimate> BuiltIn { get; } = new[]
        {
            new HailuoPriceEstimate(HailuoModels.Hailuo23, 6, "768P", 0.28m, DefaultCurrency, ReferenceSource, s_referenceTaken),
            new HailuoPriceEstimate(HailuoModels.Hailuo23, 10, "768P", 0.56m, DefaultCurrency, ReferenceSource, s_referenceTaken),
            new HailuoPriceEstimate(HailuoModels.Hailuo23, 6, "1080P", 0.49m, DefaultCurrency, ReferenceSource, s_referenceTaken),
        };

        private readonly object _lock = new object();
        private readonly Dictionary<string, HailuoPriceEstimate> _overrides = new Dictionary<string, HailuoPriceEstimate>(StringComparer.Ordinal);

        private static string Key(string model, int duration, string resolution) =>
            model + "|" + duration.ToString(CultureInfo.InvariantCulture) + "|" + resolution.ToUpperInvariant();

        /// <summary>Every model, length and resolution the catalogue offers, each with its estimate or "unknown".</summary>
        public IReadOnlyList<HailuoPriceEstimate> Rows()
        {
            var formats = HailuoModels.Endpoints
                .SelectMany(e => e.Formats.Select(f => (e.Model, f.Seconds, f.Resolution)))
                .Distinct()
                .OrderBy(r => HailuoModels.Names.ToList().IndexOf(r.Model)).ThenBy(r => VideoFormat.Height(r.Resolution)).ThenBy(r => r.Seconds);
            return formats.Select(f => Find(f.Model, f.Seconds, f.Resolution)).ToList();
        }

        /// <summary>The estimate for one video; a row with a null EstimatedPrice when none is known.</summary>
        public HailuoPriceEstimate Find(string model, int duration, string resolution)
        {
            string key = Key(model, duration, resolution);
            lock (_lock)
            {
                if (_overrides.TryGetValue(key, out var set))
                    return set;
            }
            return BuiltIn.FirstOrDefault(p => Key(p.Model, p.Duration, p.Resolution) == key)
                ?? new HailuoPriceEstimate(model, duration, resolution, null, null, UnknownSource, null);
        }

        /// <summary>The estimated cost of a task, or null when its model, length or resolution is not known locally or has no figure.</summary>
        public HailuoPriceEstimate? For(string? model, int? duration, string? resolution) =>
            model == null || duration == null || resolution == null ? null : Find(model, duration.Value, resolution);

        /// <summary>Replaces (or adds) one row for this session.</summary>
        public void Set(HailuoPriceEstimate row)
        {
            lock (_lock)
                _overrides[Key(row.Model, row.Duration, row.Resolution)] = row;
        }

        /// <summary>Drops this session's figure for one row: the built-in one again, or unknown.</summary>
        public void Drop(string model, int duration, string resolution)
        {
            lock (_lock)
                _overrides.Remove(Key(model, duration, resolution));
        }

        /// <summary>Drops every row Set-HailuoPrice set: back to the built-in figures.</summary>
        public void Reset()
        {
            lock (_lock)
                _overrides.Clear();
        }

        /// <summary>"estimated cost about 2.80 USD (...)": a sum per currency, and how many videos had no figure.</summary>
        public static string DescribeTotal(IEnumerable<HailuoPriceEstimate?> estimates)
        {
            var list = estimates.ToList();
            var known = list.Where(e => e != null && e.EstimatedPrice != null).GroupBy(e => e!.Currency ?? DefaultCurrency)
                .Select(g => g.Sum(e => e!.EstimatedPrice!.Value).ToString("0.00", CultureInfo.InvariantCulture) + " " + g.Key).ToList();
            int unknown = list.Count(e => e == null || e.EstimatedPrice == null);
            if (known.Count == 0)
                return "estimated cost unknown (Get-HailuoPrice has no figure for " + (unknown == 1 ? "it)" : "them)");
            string total = "about " + string.Join(" + ", known);
            if (unknown > 0)
                total += string.Format(CultureInfo.InvariantCulture, " plus {0} video{1} at an unknown price", unknown, unknown == 1 ? "" : "s");
            return "estimated cost " + total + " (from Get-HailuoPrice: an estimate, not a quote)";
        }

        /// <summary>"about 0.28 USD (estimate)" or "unknown price".</summary>
        public static string Describe(HailuoPriceEstimate? estimate) =>
            estimate?.EstimatedPrice is decimal price
                ? "estimated " + price.ToString("0.00##", CultureInfo.InvariantCulture) + " " + estimate.Currency
                : "estimated cost unknown";
    }
}
