// Paces submissions when the server limits them per minute. The Highway API promises no
// Retry-After, so the pacer learns the limit from the 429 itself: the number of submissions the
// server accepted in the trailing window when it refused one is what it allows per window. From
// then on a submission starts only when the window has room, in arrival order, so items wait their
// turn instead of spending their retries. A window without refusals lets one more through, in case
// the limit was learned low. The window lives in a RateLedger: one per account shared by every
// process of the user (so several runs learn the limit once and stay under it together), or one
// in memory.
using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.FlowControl
{
    internal sealed class RatePacer
    {
        /// <summary>The limit window in seconds; 60 by default (the API limits per minute). Tests shorten it.</summary>
        public const string WindowVariable = "HIGHWAY_RATE_WINDOW_SECONDS";

        // How often a waiter looks at a shared window again: other processes' submissions in
        // flight may end (or be refused) without this process hearing of it.
        private static readonly TimeSpan s_sharedLookEvery = TimeSpan.FromMilliseconds(250);

        private readonly RateLedger _ledger;
        private readonly object _lock = new object();
        private readonly SemaphoreSlim _turnstile = new SemaphoreSlim(1, 1);
        private TaskCompletionSource<bool> _changed = NewSignal();
        private int _refusals;

        /// <summary>A pacer with its window in memory.</summary>
        public RatePacer(TimeSpan window)
            : this(RateLedger.InMemory(window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(60)))
        {
        }

        /// <summary>A pacer whose window the ledger keeps (and knows the length of).</summary>
        public RatePacer(RateLedger ledger)
        {
            _ledger = ledger;
            Window = ledger.Window;
        }

        public TimeSpan Window { get; }

        /// <summary>A learned limit is forgotten after this long without a submission or a refusal (ten windows).</summary>
        public TimeSpan ForgetAfter => TimeSpan.FromTicks(Window.Ticks * 10);

        /// <summary>The learned number of submissions per window, or null while none was refused.</summary>
        public int? Limit => _ledger.Change(UtcNow(), w => w.Limit);

        /// <summary>Refusals this pacer learned from.</summary>
        public int Refusals => Volatile.Read(ref _refusals);

        /// <summary>Submissions counted in the current window (tests read it).</summary>
        internal int Accepted => _ledger.Change(UtcNow(), w => w.Accepted);

        /// <summary>The clock and delay; unit tests replace them.</summary>
        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;
        internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (d, ct) => Task.Delay(d, ct);

        /// <summary>The window length from the environment (tests shorten it), else 60 s.</summary>
        public static TimeSpan DefaultWindow()
        {
            var text = Environment.GetEnvironmentVariable(WindowVariable);
            if (text != null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0)
                return TimeSpan.FromSeconds(seconds);
            return TimeSpan.FromSeconds(60);
        }

        /// <summary>A pacer with the default window, kept in memory.</summary>
        public static RatePacer CreateDefault() => new RatePacer(DefaultWindow());

        /// <summary>A pacer whose window every process of this user shares for one account (host and key) and endpoint.</summary>
        public static RatePacer ForAccount(Uri baseUri, string? apiKey, string endpoint)
        {
            string? path = FileRateLedger.DefaultPath();
            var window = DefaultWindow();
            return path == null ? new RatePacer(window) : new RatePacer(new FileRateLedger(path, FileRateLedger.AccountOf(baseUri, apiKey, endpoint), window));
        }

        /// <summary>Why the shared window is not in use, once; null when it is (or never was meant to be).</summary>
        public string? TakeLedgerProblem() => _ledger.TakeProblem();

        /// <summary>Waits until a submission may start. Dispose the turn if its outcome is never reported.</summary>
        public async Task<Turn> WaitTurnAsync(CancellationToken cancellationToken)
        {
            long token = NewToken();
            // Nothing learned: no waiting, no turnstile (the submission is still written down, so
            // that a refusal can count what the server accepted).
            if (_ledger.Change(UtcNow(), w => TryAdmit(w, token, whenLimited: false, out _)))
                return new Turn(this, token);

            // One waiter per pacer watches the window, so turns are handed out in arrival order.
            await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    Task changed;
                    lock (_lock)
                        changed = _changed.Task;
                    TimeSpan wait = default;
                    if (_ledger.Change(UtcNow(), w => TryAdmit(w, token, whenLimited: true, out wait)))
                        return new Turn(this, token);
                    if (_ledger.Shared && wait > s_sharedLookEvery)
                        wait = s_sharedLookEvery;
                    if (wait < TimeSpan.FromMilliseconds(1))
                        wait = TimeSpan.FromMilliseconds(1);
                    using (var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        var delay = Delay(wait, either.Token);
                        await Task.WhenAny(delay, changed).ConfigureAwait(false);
                        either.Cancel(); // stop the timer when the signal won
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            finally
            {
                _turnstile.Release();
            }
        }

        // Called inside a ledger change. Admits the turn (a submission in flight) when no limit is
        // known, or, with whenLimited, when the window has room; else says how long until a place
        // frees by itself (a submission in flight ending may free one sooner).
        private bool TryAdmit(RateWindow window, long token, bool whenLimited, out TimeSpan wait)
        {
            var now = UtcNow();
            Trim(window, now);
            wait = default;
            if (window.Limit is int limit)
            {
                if (!whenLimited)
                    return false;
                // A whole window without a refusal lets one more through.
                if (now - window.LimitCheckedAt >= Window)
                {
                    window.Limit = limit += 1;
                    window.LimitCheckedAt = now;
                }
                if (window.Occupied >= limit)
                {
                    wait = window.NextLeavesAt() is DateTime next && next > now ? next - now : TimeSpan.Zero;
                    return false;
                }
            }
            window.InFlight.Add((now, token));
            return true;
        }

        // Drops what has left the window, and a limit nobody has used for a long while (the
        // account's plan may have changed).
        private void Trim(RateWindow window, DateTime now)
        {
            window.Advance(now);
            if (window.Limit != null && window.Occupied == 0 && now - window.LimitCheckedAt >= ForgetAfter)
                window.Limit = null;
        }

        private static bool EndFlight(RateWindow window, long token)
        {
            var inFlight = window.InFlight;
            for (int i = 0; i < inFlight.Count; i++)
            {
                if (inFlight[i].Token == token)
                {
                    inFlight.RemoveAt(i);
                    return true;
                }
            }
            return false;
        }

        private void Finish(long token, bool counted)
        {
            _ledger.Change(UtcNow(), w =>
            {
                EndFlight(w, token);
                if (counted)
                    w.Accept(UtcNow()); // the server counted it when it answered
                return true;
            });
            Signal();
        }

        // The server refused this submission with 429. True when the pacer learned from it (the
        // server accepted others within the window, so waiting for room will work); false when
        // there is nothing to learn from, and the caller should back off instead.
        private bool Refused(long token)
        {
            bool learned = _ledger.Change(UtcNow(), w =>
            {
                EndFlight(w, token);
                var now = UtcNow();
                Trim(w, now);
                // The window counts per slice, so the acceptances the server still counts are
                // between those surely in its window (the slice straddling its start left out) and
                // all the ring holds. With no limit known, the safe side. With one known, the
                // refusal says the server allows fewer than the limit this turn was admitted under
                // (the probe's one more, or the limit itself when someone else shares the key):
                // one fewer, but never fewer than surely accepted, nor more than the ring holds. A
                // burst in the straddling slice would otherwise cut the limit by the burst.
                int surely = w.SurelyAccepted, atMost = w.Accepted;
                int learned = w.Limit is int known ? Math.Max(surely, Math.Min(atMost, known - 1)) : surely;
                if (learned <= 0)
                    return false;
                w.Limit = learned;
                w.LimitCheckedAt = now;
                return true;
            });
            if (learned)
                Interlocked.Increment(ref _refusals);
            Signal();
            return learned;
        }

        // Wakes this pacer's waiter.
        private void Signal()
        {
            TaskCompletionSource<bool> old;
            lock (_lock)
            {
                old = _changed;
                _changed = NewSignal();
            }
            old.TrySetResult(true);
        }

        private static long NewToken()
        {
            long token = BitConverter.ToInt64(Guid.NewGuid().ToByteArray(), 0);
            return token == 0 ? 1 : token;
        }

        private static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>One submission's place in the window. Report its outcome exactly once.</summary>
        internal sealed class Turn : IDisposable
        {
            private RatePacer? _pacer;
            private readonly long _token;

            public Turn(RatePacer pacer, long token) => (_pacer, _token) = (pacer, token);

            /// <summary>The server answered and counted the request (anything but a 429).</summary>
            public void Counted() => Interlocked.Exchange(ref _pacer, null)?.Finish(_token, counted: true);

            /// <summary>The server answered 429. True when the caller should simply wait for its next turn.</summary>
            public bool RateLimited() => Interlocked.Exchange(ref _pacer, null)?.Refused(_token) ?? false;

            /// <summary>No answer (never connected, cancelled): the server did not count it, as far as we know.</summary>
            public void Dispose() => Interlocked.Exchange(ref _pacer, null)?.Finish(_token, counted: false);
        }
    }
}
