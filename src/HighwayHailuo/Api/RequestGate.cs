// The one gate every request of a cmdlet call passes: bounds requests in flight and lets a
// server's Retry-After pause all workers at once instead of each one discovering the limit alone.
using System;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Api
{
    internal sealed class RequestGate
    {
        private readonly SemaphoreSlim _slots;
        private long _pausedUntilTicks; // UTC ticks; 0 when not paused

        public RequestGate(int limit)
        {
            _slots = new SemaphoreSlim(limit, limit);
        }

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

        public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    long until = Interlocked.Read(ref _pausedUntilTicks);
                    var wait = new DateTimeOffset(until, TimeSpan.Zero) - DateTimeOffset.UtcNow;
                    if (until == 0 || wait <= TimeSpan.Zero)
                        break;
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                _slots.Release();
                throw;
            }
            return new Releaser(_slots);
        }

        private sealed class Releaser : IDisposable
        {
            private SemaphoreSlim? _slots;
            public Releaser(SemaphoreSlim slots) => _slots = slots;
            public void Dispose() => Interlocked.Exchange(ref _slots, null)?.Release();
        }
    }
}
