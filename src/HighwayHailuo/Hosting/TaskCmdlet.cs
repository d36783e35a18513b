// The base of the cmdlets that take tasks (Get-HailuoTask, Wait-HailuoTask, Save-HailuoVideo):
// -InputObject and the names of the two ways of naming tasks, declared once. Each cmdlet declares its
// own -TaskId: Get's and Wait's take the first position, Save's cannot (its -Destination has it).
using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace HighwayHailuo.Hosting
{
    public abstract class TaskCmdlet : HighwayCmdlet
    {
        private protected const string TaskIdSet = "TaskId";
        private protected const string InputObjectSet = "InputObject";

        /// <summary>
        /// <para type="description">Tasks from New-HailuoVideo, Wait-HailuoTask or Get-HailuoTask; they keep their local details.</para>
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        public HailuoTask[] InputObject { get; set; } = Array.Empty<HailuoTask>();

        /// <summary>The cmdlet's -TaskId values.</summary>
        private protected abstract string[] TaskIds { get; }

        /// <summary>Whether this call names its tasks by object (-InputObject) rather than by id.</summary>
        private protected bool ByObject => ParameterSetName == InputObjectSet;

        /// <summary>Every task this call names, by -TaskId or -InputObject, ids that are not ones included (with their error).</summary>
        private protected IEnumerable<TaskInput> NamedInputs() => TaskInput.From(ByObject ? null : TaskIds, ByObject ? InputObject : null, Session);

        /// <summary>
        /// The tasks this call names, with an error reported for each id that is not one (the others go on).
        /// </summary>
        private protected IEnumerable<TaskInput> NamedTasks()
        {
            foreach (var input in NamedInputs())
            {
                if (input.Error != null)
                    Report(input.Error, input.Target);
                else
                    yield return input;
            }
        }
    }
}
