// Only the pipeline thread may call WriteObject/WriteError/WriteProgress. Background work posts
// actions here; the cmdlet's own thread runs them while it waits. The wait blocks at once, without
// spinning first: a batch wakes it thousands of times, and a spin per wake is CPU spent for nothing.
using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;

namespace HighwayHailuo.Hosting
{
    internal sealed class PipelineDispatcher
    {
        private readonly ConcurrentQueue<Action> _queue = new ConcurrentQueue<Action>();
        private readonly ManualResetEventSlim _signal = new ManualResetEventSlim(false, spinCount: 0);
        private readonly CancellationToken _stopping;

        public PipelineDispatcher(CancellationToken stopping)
        {
            _stopping = stopping;
            // Registered once (not on every wait): Ctrl+C wakes the wait, which then sees it.
            stopping.Register(() => _signal.Set());
        }

        /// <summary>Queues an action for the pipeline thread. Safe from any thread.</summary>
        public void Post(Action action)
        {
            _queue.Enqueue(action);
            _signal.Set();
        }

        /// <summary>Wakes the pipeline thread so it re-checks its condition.</summary>
        public void Wake() => _signal.Set();

        /// <summary>Runs everything queued so far. Pipeline thread only.</summary>
        public void RunPending()
        {
            while (_queue.TryDequeue(out var action))
                action();
        }

        /// <summary>
        /// Runs queued actions on the pipeline thread until <paramref name="done"/> is true.
        /// <paramref name="onTick"/> runs at least every <paramref name="tick"/> (for deadlines and
        /// progress). Ctrl+C ends the wait at once with <see cref="PipelineStoppedException"/>.
        /// </summary>
        public void RunUntil(Func<bool> done, TimeSpan? tick = null, Action? onTick = null)
        {
            var interval = tick ?? TimeSpan.FromMilliseconds(250);
            while (true)
            {
                // Reset before draining: a post made after this is either drained now or wakes the next wait.
                _signal.Reset();
                RunPending();
                onTick?.Invoke();
                if (done())
                {
                    RunPending();
                    return;
                }
                if (_stopping.IsCancellationRequested)
                    throw new PipelineStoppedException();
                _signal.Wait(interval);
                if (_stopping.IsCancellationRequested)
                    throw new PipelineStoppedException();
            }
        }
    }
}
