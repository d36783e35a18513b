// Results of pipeline items that finish in any order, handed out in the order the items came in:
// the one reorder buffer of the cmdlets that work on many items at once (Get-HailuoTask writes its
// tasks, Save-HailuoVideo names and saves its videos, in input order).
using System.Collections.Generic;

namespace HighwayHailuo.Hosting
{
    internal sealed class InputOrder<T>
    {
        private readonly Dictionary<long, T> _done = new Dictionary<long, T>();
        private long _taken; // tickets handed to items so far (pipeline thread)
        private long _next;  // the ticket whose result is handed out next (pipeline thread)

        /// <summary>The next item's place in the order. Pipeline thread only.</summary>
        public long Take() => _taken++;

        /// <summary>An item's result, from any thread.</summary>
        public void Done(long ticket, T result)
        {
            lock (_done)
                _done[ticket] = result;
        }

        /// <summary>Whether the next item in order has its result. Pipeline thread only.</summary>
        public bool NextIsDone
        {
            get
            {
                lock (_done)
                    return _done.ContainsKey(_next);
            }
        }

        /// <summary>Whether every item that took a place has been handed out. Pipeline thread only.</summary>
        public bool AllHandedOut => _next >= _taken;

        /// <summary>The next item's result when it has one, in order. Pipeline thread only.</summary>
        public bool TryNext(out T result)
        {
            lock (_done)
            {
                if (!_done.TryGetValue(_next, out result!))
                    return false;
                _done.Remove(_next);
            }
            _next++;
            return true;
        }
    }
}
