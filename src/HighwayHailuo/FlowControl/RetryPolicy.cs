// The one retry rule of every request the module makes (API calls and video downloads): how many
// attempts, how long between them, and when a server's Retry-After is too long to wait for.
using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Errors;

namespace HighwayHailuo.FlowControl
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

        /// <summary>The server asked for a pause longer than is worth waiting for: the request fails now, saying when to come back.</summary>
        public bool WaitsTooLong(HailuoException failure) => failure.RetryAfter is TimeSpan asked && asked > MaxRetryAfter;

        /// <summary>
        /// After failed attempt <paramref name="attempt"/> (1-based) of a retryable failure: null and the
        /// delay before the next attempt (the server's Retry-After, else the backoff), or the error to
        /// give up with, which says why. The error stays retryable in kind: a caller that waits longer
        /// (Wait-HailuoTask, a later run) may try again.
        /// </summary>
        public HailuoException? Next(HailuoException failure, int attempt, out TimeSpan delay)
        {
            delay = TimeSpan.Zero;
            if (WaitsTooLong(failure))
            {
                var asked = failure.RetryAfter!.Value;
                return failure.WithMessage(failure.Message + string.Format(CultureInfo.InvariantCulture,
                    " The server asked to wait {0:0} s; try again after {1:u}.", asked.TotalSeconds, DateTime.UtcNow + asked), asked);
            }
            if (attempt >= MaxAttempts)
                return failure.WithMessage(failure.Message + string.Format(CultureInfo.InvariantCulture,
                    " Gave up after {0} attempt{1}.", attempt, attempt == 1 ? "" : "s"));
            delay = failure.RetryAfter ?? BackoffAfter(attempt);
            return null;
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
