// Paces submissions when the server limits them per minute. The Highway API promises no
// Retry-After, so the pacer learns the limit from the 429 itself: the number of submissions the
// server accepted in the trailing window when it refused one is what it allows per window. From
// then on a submission starts only when the window has room, in arrival order, so items wait their
// turn instead of spending their retries. A window without refusals lets one more through, in case
// the limit was learned low (another client sharing the key, say).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Api
{
    internal sealed class RatePacer
    {
        /// <summary>The limit window in seconds; 60 by default (the API limits per minute). Tests shorten it.</summary>
        public const string WindowVariable = "HIGHWAY_RATE_WINDOW_SECONDS";

        private readonly object _lock = new object();
        private readonly SemaphoreSlim _turnstile = new SemaphoreSlim(1, 1);
        private readonly Queue<DateTime> _counted = new Queue<DateTime>(); // answers the server counted, oldest first
        private TaskCompletionSource<bool> _changed = NewSignal();
        private int _inFlight;
        private int? _limit;
        private DateTime _limitCheckedAt;

        public RatePacer(TimeSpan window)
        {
            Window = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(60);
        }

        public TimeSpan Window { get; }

        /// <summary>The learned number of submissions per window, or null while none was refused.</summary>
        public int? Limit { get { lock (_lock) return _limit; } }

        /// <summary>Refusals the pacer learned from.</summary>
        public int Refusals { get; private set; }

        /// <summary>The clock and delay; unit tests replace them.</summary>
        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;
        internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (d, ct) => Task.Delay(d, ct);

        public static RatePacer CreateDefault()
        {
            var text = Environment.GetEnvironmentVariable(WindowVariable);
            if (text != null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0)
                return new RatePacer(TimeSpan.FromSeconds(seconds));
            return new RatePacer(TimeSpan.FromSeconds(60));
        }

        /// <summary>Waits until a submission may start. Dispose the turn if its outcome is never reported.</summary>
        public async Task<Turn> WaitTurnAsync(CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_limit == null)
                    return Admit(); // nothing learned: no waiting, no turnstile
            }

            // One waiter at a time watches the window, so turns are handed out in arrival order.
            await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    TimeSpan wait;
                    Task changed;
                    lock (_lock)
                    {
                        var now = UtcNow();
                        Trim(now);
                        Probe(now);
                        if (_limit == null || _counted.Count + _inFlight < _limit)
                            return Admit();
                        // Full: wait for the oldest counted answer to leave the window, or for a
                        // submission in flight to finish (it may be refused and free its place).
                        wait = _counted.Count > 0 ? _counted.Peek() + Window - now : Window;
                        changed = _changed.Task;
                    }
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

        private Turn Admit()
        {
            _inFlight++;
            return new Turn(this);
        }

        // Called under the lock.
        private void Trim(DateTime now)
        {
            while (_counted.Count > 0 && now - _counted.Peek() >= Window)
                _counted.Dequeue();
        }

        // Called under the lock: a whole window without a refusal lets one more through.
        private void Probe(DateTime now)
        {
            if (_limit is int limit && now - _limitCheckedAt >= Window)
            {
                _limit = limit + 1;
                _limitCheckedAt = now;
            }
        }

        private void Finish(bool counted)
        {
            lock (_lock)
            {
                _inFlight--;
                if (counted)
                    _counted.Enqueue(UtcNow());
                Signal();
            }
        }

        // The server refused this submission with 429. True when the pacer learned from it (the
        // server accepted others within the window, so waiting for room will work); false when
        // there is nothing to learn from, and the caller should back off instead.
        private bool Refused()
        {
            lock (_lock)
            {
                _inFlight--;
                var now = UtcNow();
                Trim(now);
                Signal();
                if (_counted.Count == 0)
                    return false;
                _limit = _counted.Count;
                _limitCheckedAt = now;
                Refusals++;
                return true;
            }
        }

        // Called under the lock: wakes the waiter watching the window.
        private void Signal()
        {
            var old = _changed;
            _changed = NewSignal();
            old.TrySetResult(true);
        }

        private static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>One submission's place in the window. Report its outcome exactly once.</summary>
        internal sealed class Turn : IDisposable
        {
            private RatePacer? _pacer;

            public Turn(RatePacer pacer) => _pacer = pacer;

            /// <summary>The server answered and counted the request (anything but a 429).</summary>
            public void Counted() => Interlocked.Exchange(ref _pacer, null)?.Finish(counted: true);

            /// <summary>The server answered 429. True when the caller should simply wait for its next turn.</summary>
            public bool RateLimited() => Interlocked.Exchange(ref _pacer, null)?.Refused() ?? false;

            /// <summary>No answer (never connected, cancelled): the server did not count it, as far as we know.</summary>
            public void Dispose() => Interlocked.Exchange(ref _pacer, null)?.Finish(counted: false);
        }
    }
}
