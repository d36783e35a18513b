// The one gate every request of a cmdlet call passes. It keeps the right number of requests in
// flight: at most the caller's limit, fewer while the server is rate limiting (additive increase,
// multiplicative decrease, as TCP does), and none at all while a Retry-After pause is running, so
// one 429 pauses every worker instead of each discovering the limit alone.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.FlowControl
{
    internal sealed class RequestGate
    {
        // Several requests of one burst are refused together; they count as one signal.
        private static readonly TimeSpan s_decreaseWindow = TimeSpan.FromSeconds(1);

        private readonly object _lock = new object();
        private readonly int _max;
        private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new LinkedList<TaskCompletionSource<bool>>();
        private int _limit;
        private int _inFlight;
        private int _successesAtLimit;
        private DateTimeOffset _lastDecrease = DateTimeOffset.MinValue;
        private long _pausedUntilTicks; // UTC ticks; 0 when not paused

        public RequestGate(int limit)
        {
            _max = Math.Max(1, limit);
            _limit = _max;
        }

        /// <summary>The number of requests allowed in flight right now.</summary>
        public int CurrentLimit { get { lock (_lock) return _limit; } }

        /// <summary>The most requests that were in flight at once.</summary>
        public int PeakInFlight { get; private set; }

        /// <summary>The wait of a paused worker; tests replace it to see where a worker is held.</summary>
        internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (d, ct) => Task.Delay(d, ct);

        /// <summary>Holds every worker until the given time (the latest pause wins).</summary>
        public void PauseUntil(DateTimeOffset until)
        {
            long ticks = until.UtcTicks;
            long current;
            do
            {
                current = Interlocked.Read(ref _pausedUntilTicks);
                if (current >= ticks)
                    return;
            } while (Interlocked.CompareExchange(ref _pausedUntilTicks, ticks, current) != current);
        }

        /// <summary>A 429: halve the in-flight limit (at most once per burst).</summary>
        public void OnRateLimited()
        {
            lock (_lock)
            {
                var now = DateTimeOffset.UtcNow;
                if (now - _lastDecrease < s_decreaseWindow)
                    return;
                _lastDecrease = now;
                _limit = Math.Max(1, _limit / 2);
                _successesAtLimit = 0;
            }
        }

        /// <summary>An answer that was not a 429: after a full window of them, allow one more in flight.</summary>
        public void OnSuccess()
        {
            lock (_lock)
            {
                if (_limit >= _max)
                    return;
                if (++_successesAtLimit >= _limit)
                {
                    _limit++;
                    _successesAtLimit = 0;
                    WakeWaiters();
                }
            }
        }

        public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource<bool>? waiter = null;
            lock (_lock)
            {
                if (_inFlight < _limit && _waiters.Count == 0)
                    Admit();
                else
                {
                    waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.AddLast(waiter);
                }
            }

            if (waiter != null)
            {
                using (cancellationToken.Register(() => Abandon(waiter)))
                    await waiter.Task.ConfigureAwait(false); // throws when cancelled
            }

            var releaser = new Releaser(this);
            try
            {
                while (true)
                {
                    long until = Interlocked.Read(ref _pausedUntilTicks);
                    var wait = new DateTimeOffset(until, TimeSpan.Zero) - DateTimeOffset.UtcNow;
                    if (until == 0 || wait <= TimeSpan.Zero)
                        break;
                    await Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                releaser.Dispose();
                throw;
            }
            return releaser;
        }

        private void Admit()
        {
            _inFlight++;
            if (_inFlight > PeakInFlight)
                PeakInFlight = _inFlight;
        }

        private void Abandon(TaskCompletionSource<bool> waiter)
        {
            lock (_lock)
            {
                if (!_waiters.Remove(waiter))
                    return; // already admitted: its slot is released by the caller's releaser
            }
            waiter.TrySetCanceled();
        }

        private void Release()
        {
            lock (_lock)
            {
                _inFlight--;
                WakeWaiters();
            }
        }

        // Called under the lock: admit waiters in arrival order while there is room.
        private void WakeWaiters()
        {
            while (_inFlight < _limit && _waiters.First != null)
            {
                var next = _waiters.First.Value;
                _waiters.RemoveFirst();
                Admit();
                next.TrySetResult(true);
            }
        }

        private sealed class Releaser : IDisposable
        {
            private RequestGate? _gate;
            public Releaser(RequestGate gate) => _gate = gate;
            public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
        }
    }
}
