// How long to wait between attempts, and how many attempts a request gets.
using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Api
{
    internal sealed class RetryPolicy
    {
        /// <summary>Lets tests and offline trials with FakeHighway shorten the backoff; the shape stays the same.</summary>
        public const string BaseDelayVariable = "HIGHWAY_RETRY_BASE_DELAY_MS";

        private static readonly ThreadLocal<Random> s_random = new ThreadLocal<Random>(() => new Random(Guid.NewGuid().GetHashCode()));

        public int MaxAttempts { get; set; } = 5;
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>A longer Retry-After fails the request now and tells the user when to come back.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The delay primitive; unit tests replace it to record delays instead of sleeping.</summary>
        public Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (d, ct) => Task.Delay(d, ct);

        public static RetryPolicy CreateDefault()
        {
            var policy = new RetryPolicy();
            var text = Environment.GetEnvironmentVariable(BaseDelayVariable);
            if (text != null && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms) && ms >= 0)
            {
                policy.BaseDelay = TimeSpan.FromMilliseconds(ms);
                policy.MaxDelay = TimeSpan.FromMilliseconds(Math.Max(ms * 30, 1));
            }
            return policy;
        }

        /// <summary>
        /// Exponential backoff with jitter after the given failed attempt (1-based): about 1 s, 2 s,
        /// 4 s, 8 s ... capped at <see cref="MaxDelay"/>, each scaled by a random 0.75..1.25 so that
        /// many workers do not retry in lock step.
        /// </summary>
        public TimeSpan BackoffAfter(int failedAttempt)
        {
            double exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failedAttempt - 1));
            double jittered = exponential * (0.75 + 0.5 * s_random.Value!.NextDouble());
            return TimeSpan.FromMilliseconds(Math.Min(jittered, MaxDelay.TotalMilliseconds));
        }
    }
}
