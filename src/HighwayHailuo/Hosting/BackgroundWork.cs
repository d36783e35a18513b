// Every piece of background work one cmdlet call starts, counted, so the call can wait for all of
// it to end before it is done: after Ctrl+C or an error, nothing it started is still sending,
// polling or writing a journal line once the cmdlet has returned.
using System;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Hosting
{
    internal sealed class BackgroundWork
    {
        private readonly object _lock = new object();
        private int _running;

        public int Running { get { lock (_lock) return _running; } }

        /// <summary>Starts <paramref name="work"/> on the thread pool and counts it until it has ended, however it ends.</summary>
        public Task Run(Func<Task> work)
        {
            lock (_lock)
                _running++;
            Task task;
            try
            {
                task = Task.Run(work);
            }
            catch
            {
                Ended();
                throw;
            }
            task.ContinueWith(_ => Ended(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }

        /// <summary>Waits until every piece of work has ended; false if some still runs after <paramref name="bound"/>.</summary>
        public bool WaitAll(TimeSpan bound)
        {
            var deadline = DateTime.UtcNow + bound;
            lock (_lock)
            {
                while (_running > 0)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                        return false;
                    Monitor.Wait(_lock, left);
                }
                return true;
            }
        }

        private void Ended()
        {
            lock (_lock)
            {
                _running--;
                Monitor.PulseAll(_lock);
            }
        }
    }
}
