// One row of the price table (Get-HailuoPrice, Set-HailuoPrice): what a video of one model, length
// and resolution is estimated to cost, with where that figure came from and when. An estimate, never
// a price Highway promised: Highway publishes none for Hailuo.
using System;

namespace HighwayHailuo
{
    /// <summary>An estimated price for one video of a model, length and resolution; EstimatedPrice is null when no figure is known.</summary>
    public sealed class HailuoPriceEstimate
    {
        internal HailuoPriceEstimate(string model, int duration, string resolution, decimal? estimatedPrice, string? currency, string source, DateTime? asOf)
        {
            Model = model;
            Duration = duration;
            Resolution = resolution;
            EstimatedPrice = estimatedPrice;
            Currency = currency;
            Source = source;
            AsOf = asOf;
        }

        /// <summary>The model (Hailuo-2.3).</summary>
        public string Model { get; }

        /// <summary>The video's length in seconds.</summary>
        public int Duration { get; }

        /// <summary>The video's resolution (768P).</summary>
        public string Resolution { get; }

        /// <summary>The estimated price of one video; null when unknown.</summary>
        public decimal? EstimatedPrice { get; }

        /// <summary>The currency of the estimate (USD); null when unknown.</summary>
        public string? Currency { get; }

        /// <summary>Where the figure came from: the built-in table's source, what Set-HailuoPrice was told, or "unknown".</summary>
        public string Source { get; }

        /// <summary>The date the figure was taken; null when unknown.</summary>
        public DateTime? AsOf { get; }

        /// <summary>Whether a figure is known.</summary>
        public bool IsKnown => EstimatedPrice != null;
    }
}
