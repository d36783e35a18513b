// Where a journal lives. The claim-and-record protocol (TaskJournal) reads and appends bytes and
// takes per-submission claims through this interface only, so a file on this machine
// (FileJournalStore) and an append blob in Azure Storage (BlobJournalStore) keep the same promises
// and run the same contract tests (tests/HighwayHailuo.UnitTests/JournalStoreContract.cs).
using System;

namespace HighwayHailuo.Journal
{
    /// <summary>An append the journal asks a store to make: cut the journal to <see cref="At"/>, then add <see cref="Bytes"/>.</summary>
    internal readonly struct JournalWrite
    {
        public JournalWrite(long at, byte[] bytes)
        {
            At = at;
            Bytes = bytes;
        }

        /// <summary>Where the bytes go: the journal's end, or before it to drop a line that a writer which died left unfinished.</summary>
        public long At { get; }

        /// <summary>What to add (may be empty: nothing to write).</summary>
        public byte[] Bytes { get; }
    }

    internal interface IJournalStore
    {
        /// <summary>How messages name the journal: a path, or a blob URL without its SAS.</summary>
        string Name { get; }

        /// <summary>Whether the journal exists (it may exist and be empty).</summary>
        bool Exists();

        /// <summary>The bytes from <paramref name="offset"/> to the journal's current end; empty when there are none or no journal yet.</summary>
        byte[] ReadFrom(long offset);

        /// <summary>
        /// Appends what <paramref name="compose"/> returns with no other writer's append in between.
        /// The store calls compose with every byte past <paramref name="readFrom"/>() as it holds them
        /// right then, so compose decides on the whole journal; when another writer appended first the
        /// store calls it again with the newer bytes. Returns the journal's length after the append.
        /// </summary>
        long Append(Func<long> readFrom, Func<byte[], JournalWrite> compose);

        /// <summary>Takes the claim on one submission if no live holder (this process included) has it; never waits.</summary>
        bool TryClaim(string identity);

        /// <summary>Gives a claim back; never throws (it runs while a paid task is being written out).</summary>
        void ReleaseClaim(string identity);

        /// <summary>How long after its holder dies a claim is seen as free (zero: at once).</summary>
        TimeSpan DeadClaimDelay { get; }
    }
}
