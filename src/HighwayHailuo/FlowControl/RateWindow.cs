// One account's submission window as the pacer sees it: the acceptances as counts per slice of
// time (a ring of fixed size), the submissions still in flight, and the learned limit. Every
// operation costs the same however many submissions the window holds, and so does the window's
// line in the shared ledger file. The price is precision: an acceptance is forgotten at most one
// slice (1/600 of the window, 0.1 s of a minute) after the server forgets it, never before.
using System;
using System.Collections.Generic;

namespace HighwayHailuo.FlowControl
{
    internal sealed class RateWindow
    {
        /// <summary>Slices per window.</summary>
        public const int Slices = 600;

        // The ring holds slices _newest - Slices .. _newest, slice n in slot n % (Slices + 1). The
        // oldest of them straddles the window's start, so it still counts (the safe side).
        private readonly int[] _counts = new int[Slices + 1];
        private long _newest;
        private bool _empty = true;
        private int _accepted;

        public RateWindow(TimeSpan length)
        {
            Length = length;
            SliceTicks = Math.Max(1, length.Ticks / Slices);
        }

        public TimeSpan Length { get; }

        /// <summary>The length of one slice, in ticks.</summary>
        public long SliceTicks { get; }

        /// <summary>Submissions in flight: when each started, and its turn's token. As many as run at once, not as the window holds.</summary>
        public List<(DateTime Started, long Token)> InFlight { get; } = new List<(DateTime, long)>();

        /// <summary>The learned number of submissions per window, or null while none was refused.</summary>
        public int? Limit { get; set; }

        /// <summary>When the limit was last learned or raised.</summary>
        public DateTime LimitCheckedAt { get; set; }

        /// <summary>Acceptances that may still be in the server's window.</summary>
        public int Accepted => _accepted;

        /// <summary>Places taken: acceptances in the window and submissions in flight.</summary>
        public int Occupied => _accepted + InFlight.Count;

        /// <summary>Forgets everything but the limit.</summary>
        public void Clear()
        {
            Array.Clear(_counts, 0, _counts.Length);
            _accepted = 0;
            _empty = true;
            InFlight.Clear();
        }

        /// <summary>
        /// Moves the window to <paramref name="now"/>: drops the slices that have surely left it and
        /// submissions in flight for longer than a window (their process died), and starts afresh
        /// when the clock has jumped by more than a window either way.
        /// </summary>
        public void Advance(DateTime now)
        {
            AdvanceSlices(now);
            InFlight.RemoveAll(e => now - e.Started >= Length || e.Started - now > Length);
        }

        private void AdvanceSlices(DateTime now)
        {
            long slice = now.Ticks / SliceTicks;
            if (_empty || slice - _newest > Slices || _newest - slice > Slices)
            {
                Array.Clear(_counts, 0, _counts.Length);
                _accepted = 0;
                _newest = slice;
                _empty = false;
            }
            while (_newest < slice)
            {
                _newest++;
                int slot = Slot(_newest);
                _accepted -= _counts[slot];
                _counts[slot] = 0;
            }
        }

        /// <summary>Counts <paramref name="count"/> acceptances at <paramref name="time"/>; one older than the ring is dropped.</summary>
        public void Accept(DateTime time, int count = 1)
        {
            long slice = time.Ticks / SliceTicks;
            if (_empty || slice > _newest)
                AdvanceSlices(time);
            if (slice < _newest - Slices)
                return;
            _counts[Slot(slice)] += count;
            _accepted += count;
        }

        /// <summary>Acceptances surely still in the server's window (the straddling slice left out): what a refusal teaches.</summary>
        public int SurelyAccepted => _empty ? 0 : _accepted - _counts[Slot(_newest - Slices)];

        /// <summary>When the next place frees by itself: the oldest acceptance leaving, or the oldest submission in flight expiring.</summary>
        public DateTime? NextLeavesAt()
        {
            DateTime? next = null;
            if (!_empty && _accepted > 0)
            {
                for (long slice = _newest - Slices; slice <= _newest; slice++)
                {
                    if (_counts[Slot(slice)] > 0)
                    {
                        next = new DateTime((slice + Slices + 1) * SliceTicks, DateTimeKind.Utc);
                        break;
                    }
                }
            }
            foreach (var entry in InFlight)
            {
                var expires = entry.Started + Length;
                if (next == null || expires < next)
                    next = expires;
            }
            return next;
        }

        /// <summary>The slices from the oldest to the newest holding acceptances; false when none do.</summary>
        public bool TryGetStretch(out long first, out long last)
        {
            first = last = 0;
            if (_empty || _accepted == 0)
                return false;
            first = _newest - Slices;
            last = _newest;
            while (_counts[Slot(first)] == 0)
                first++;
            while (_counts[Slot(last)] == 0)
                last--;
            return true;
        }

        /// <summary>The acceptances counted in one slice of the ring.</summary>
        public int CountAt(long slice) => _counts[Slot(slice)];

        private static int Slot(long slice) => (int)(((slice % (Slices + 1)) + Slices + 1) % (Slices + 1));
    }
}
