// Runs one piece of background work per pipeline item, at most `limit` at a time. The pipeline
// thread blocks (while still writing finished results) when the limit is reached, so a folder of
// a thousand images never has more than `limit` items in memory.
using System;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Hosting
{
    internal sealed class ItemRunner
    {
        private readonly PipelineDispatcher _dispatcher;
        private readonly BackgroundWork _background;
        private readonly int _limit;
        private int _inFlight;
        private Exception? _fatal;

        public ItemRunner(PipelineDispatcher dispatcher, BackgroundWork background, int limit)
        {
            _dispatcher = dispatcher;
            _background = background;
            _limit = Math.Max(1, limit);
        }

        public int InFlight => Volatile.Read(ref _inFlight);

        /// <summary>
        /// Starts <paramref name="work"/> once a slot is free. Work reports its own per-item results
        /// and errors through the dispatcher; an exception that escapes it is fatal for the whole
        /// call and is rethrown on the pipeline thread once every other item in flight has finished
        /// (their results are paid for, so they are written first).
        /// </summary>
        public void Start(Func<Task> work)
        {
            _dispatcher.RunUntil(() => _fatal != null || InFlight < _limit);
            ThrowIfFatal();
            Interlocked.Increment(ref _inFlight);
            Task task;
            try
            {
                task = _background.Run(work);
            }
            catch
            {
                Interlocked.Decrement(ref _inFlight);
                throw;
            }
            task.ContinueWith(t =>
            {
                if (t.IsFaulted)
                    Interlocked.CompareExchange(ref _fatal, AsFatal(t.Exception!.GetBaseException()), null);
                Interlocked.Decrement(ref _inFlight);
                _dispatcher.Wake();
            }, TaskScheduler.Default);
        }

        /// <summary>Writes finished results without waiting. Pipeline thread only.</summary>
        public void Flush()
        {
            _dispatcher.RunPending();
            ThrowIfFatal();
        }

        /// <summary>Waits for every item in flight, writing results as they come.</summary>
        public void WaitAll(TimeSpan? tick = null, Action? onTick = null)
        {
            _dispatcher.RunUntil(() => InFlight == 0, tick, onTick);
            ThrowIfFatal();
        }

        // A terminating API error that reached here unreported still ends the call with its own
        // ErrorId and category, not as a bare exception the engine names by its type.
        private static Exception AsFatal(Exception ex) =>
            ex is Errors.HailuoException api && api.IsTerminating ? new FatalErrorException(Errors.HailuoErrors.Record(api, null)) : ex;

        private void ThrowIfFatal()
        {
            var fatal = Volatile.Read(ref _fatal);
            if (fatal == null)
                return;
            _dispatcher.RunUntil(() => InFlight == 0);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
        }
    }
}
