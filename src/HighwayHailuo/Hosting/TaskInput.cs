// One task named on the pipeline: by a HailuoTask object or by a bare id.
using System.Collections.Generic;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Hosting
{
    internal readonly struct TaskInput
    {
        private TaskInput(string? taskId, HailuoTask? known, object target, HailuoException? error)
        {
            TaskId = taskId;
            Known = known;
            Target = target;
            Error = error;
        }

        public string? TaskId { get; }

        /// <summary>What the client already knows of the task: the piped object, or this session's last snapshot.</summary>
        public HailuoTask? Known { get; }

        public object Target { get; }
        public HailuoException? Error { get; }

        /// <summary>A task recorded in a journal; this session's newer snapshot of it wins.</summary>
        public static TaskInput FromJournal(HailuoTask recorded, SessionSettings session)
        {
            var known = session.Recall(recorded.TaskId);
            return new TaskInput(recorded.TaskId, known != null && known.LastUpdated >= recorded.LastUpdated ? known : recorded, recorded.TaskId, null);
        }

        public static IEnumerable<TaskInput> From(string[]? ids, HailuoTask[]? tasks, SessionSettings session)
        {
            if (tasks != null)
            {
                foreach (var task in tasks)
                {
                    if (task == null)
                        continue;
                    string? id = TaskIds.Check(task.TaskId, out var error);
                    yield return new TaskInput(id, task, task, error);
                }
            }
            if (ids != null)
            {
                foreach (var raw in ids)
                {
                    string? id = TaskIds.Check(raw, out var error);
                    yield return new TaskInput(id, id == null ? null : session.Recall(id), raw ?? "", error);
                }
            }
        }
    }
}
