// What one runspace remembers between cmdlet calls: its Connect-Highway settings and the tasks it has seen.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Security;
using System.Threading;
using HighwayHailuo.Api;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.Hosting
{
    internal sealed class SessionSettings
    {
        // Keyed by runspace so that settings belong to the runspace that made them, and vanish with it.
        private static readonly ConditionalWeakTable<Runspace, SessionSettings> s_byRunspace = new ConditionalWeakTable<Runspace, SessionSettings>();
        private static readonly SessionSettings s_noRunspace = new SessionSettings();

        // Each task's newest snapshot, with the order in which this session first saw it and the
        // connection (account: a hash of host and key, never the key) it was first seen through.
        private readonly ConcurrentDictionary<string, (long Seen, HailuoTask Task, string? Account)> _tasks = new ConcurrentDictionary<string, (long, HailuoTask, string?)>(StringComparer.Ordinal);
        private long _seen;

        private readonly ConcurrentDictionary<string, RatePacer> _pacers = new ConcurrentDictionary<string, RatePacer>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The estimated prices: the built-in table plus this runspace's Set-HailuoPrice rows.</summary>
        public Costs.PriceTable Prices { get; } = new Costs.PriceTable();

        public SecureString? ApiKey { get; set; }
        public Uri? BaseUri { get; set; }

        /// <summary>Connect-Highway -Proxy, with its own HTTP clients; null: the system proxy.</summary>
        public ProxySettings? Proxy { get; set; }

        /// <summary>The settings of the runspace running on this thread. Call from the pipeline thread only.</summary>
        public static SessionSettings Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return runspace == null ? s_noRunspace : s_byRunspace.GetValue(runspace, _ => new SessionSettings());
            }
        }

        /// <summary>
        /// Remembers the newest snapshot of a task, so a later bare -TaskId keeps the local facts and
        /// Get-HailuoTask lists it. Thread-safe: New-HailuoVideo calls it as soon as a task id is known,
        /// so a paid task is listed even when Ctrl+C stops the pipeline before it is written out.
        /// </summary>
        public void Remember(HailuoTask task, string? account)
        {
            _tasks.AddOrUpdate(task.TaskId, _ => (Interlocked.Increment(ref _seen), task, account),
                (_, old) => task.LastUpdated >= old.Task.LastUpdated ? (old.Seen, task, old.Account ?? account) : old);
        }

        private readonly ConcurrentDictionary<string, string> _savedVideos = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Where Save-HailuoVideo last saved (or found) a task's video in this session.</summary>
        public void RememberSaved(string taskId, string path) => _savedVideos[taskId] = path;

        /// <summary>The file this session saved a task's video to, if it still exists; null otherwise.</summary>
        public string? SavedVideoOf(string taskId) =>
            _savedVideos.TryGetValue(taskId, out var path) && System.IO.File.Exists(path) ? path : null;

        /// <summary>The newest snapshot of a task this session has seen; null for one it has not.</summary>
        public HailuoTask? Known(string taskId) => _tasks.TryGetValue(taskId, out var entry) ? entry.Task : null;

        /// <summary>The newest snapshot of every task this session has seen, in the order it first saw them.</summary>
        public IReadOnlyList<HailuoTask> KnownTasks => _tasks.Values.OrderBy(t => t.Seen).Select(t => t.Task).ToList();

        /// <summary>The account a task was made or first seen through; null when unknown (from a journal, another session).</summary>
        public string? AccountOf(string taskId) => _tasks.TryGetValue(taskId, out var entry) ? entry.Account : null;

        public HailuoTask? Recall(string taskId) => _tasks.TryGetValue(taskId, out var entry) ? entry.Task : null;

        /// <summary>
        /// One submission pacer per account (API host and key) and endpoint, since the server limits
        /// each model on its own, so a rate limit learned by one call holds for the next; its window
        /// is shared with the user's other processes and runspaces.
        /// </summary>
        public RatePacer PacerFor(Uri baseUri, string? apiKey, string endpoint)
        {
            string account = FileRateLedger.AccountOf(baseUri, apiKey, endpoint);
            return _pacers.GetOrAdd(account, _ => RatePacer.ForAccount(baseUri, apiKey, endpoint));
        }
    }
}
