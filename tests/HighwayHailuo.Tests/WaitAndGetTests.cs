// Wait-HailuoTask and Get-HailuoTask through the real engine.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class WaitAndGetTests
{
    private const string Wait = "HighwayHailuo.Commands.WaitHailuoTaskCommand";
    private const string Get = "HighwayHailuo.Commands.GetHailuoTaskCommand";

    private static void WriteImages(PowerShellSession session, params string[] names)
    {
        foreach (var name in names)
            TestImages.Write(session.WorkDir, name, TestImages.Png(400, 320));
    }

    [Fact]
    public async Task WaitsForAllTasksAtOnceAndWritesEachAsSoonAsItSucceeds()
    {
        // The first image's task lives far longer than the others: they must come out first.
        var options = new FakeHighwayOptions
        {
            TaskLife = s => s.Prompt == "slow" ? (TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3)) : (TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300)),
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png", "c.png");

        var result = session.Run("""
            $tasks = @(
                New-HailuoVideo a.png -Prompt slow
                New-HailuoVideo b.png -Prompt quick
                New-HailuoVideo c.png -Prompt quick
            )
            $tasks | Wait-HailuoTask -PollInterval 0.2
            """);

        result.ThrowIfFailed();
        var done = result.Objects<HailuoTask>();
        Assert.Equal(3, done.Length);
        Assert.All(done, t => Assert.Equal(HailuoTaskStatus.Succeeded, t.Status));
        Assert.Equal("a.png", Path.GetFileName(done[2].SourceImage)); // the slow one last, though piped first
        // The refreshed objects keep what the client knew locally.
        Assert.All(done, t =>
        {
            Assert.NotNull(t.SubmittedAt);
            Assert.Equal(6, t.Duration);
            Assert.Equal("768P", t.Resolution);
            Assert.NotNull(t.VideoUrl);
            Assert.Equal("mp4", t.VideoType);
            Assert.Equal("4242", t.Seed);
            Assert.NotNull(t.CompletedAt);
            Assert.True(t.VideoUrlExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50));
        });
        Assert.Equal(fake.Task(done[0].TaskId)!.EndsAt.ToUnixTimeMilliseconds(), done[0].CompletedAt!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task AFailedTaskIsANonTerminatingErrorAndIsNotPassedOn()
    {
        var options = new FakeHighwayOptions { FailWhen = s => s.Prompt == "bad" ? "ILLEGAL_IMAGE_CONTENT: content policy" : null };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png");

        var result = session.Run("""
            'Path,Prompt', 'a.png,bad', 'b.png,good' | ConvertFrom-Csv |
                New-HailuoVideo | Wait-HailuoTask -PollInterval 0.2 | ForEach-Object { "passed:" + $_.Prompt }
            """);

        Assert.Null(result.Terminating);
        Assert.Equal(new[] { "passed:good" }, result.Output.Select(o => o.ToString()));
        var error = Assert.Single(result.Errors);
        Assert.Equal("HailuoTaskFailed," + Wait, error.FullyQualifiedErrorId);
        var target = Assert.IsType<HailuoTask>(error.TargetObject);
        Assert.Equal(HailuoTaskStatus.Failed, target.Status);
        Assert.Equal("bad", target.Prompt);
        Assert.Contains("ILLEGAL_IMAGE_CONTENT: content policy", error.Exception.Message);
    }

    [Fact]
    public async Task TimeoutReportsEachTaskStillRunningWithItsLatestState()
    {
        var options = new FakeHighwayOptions { QueuedFor = TimeSpan.FromMilliseconds(100), ProcessingFor = TimeSpan.FromMinutes(5) };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png");

        var result = session.Run("'a.png','b.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -Timeout 1 -PollInterval 0.2");

        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("HailuoWaitTimeout," + Wait, e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, e.CategoryInfo.Category);
            var latest = Assert.IsType<HailuoTask>(e.TargetObject);
            Assert.Equal(HailuoTaskStatus.Processing, latest.Status);
            Assert.True(latest.ProgressPercent >= 0);
            Assert.Contains("Wait-HailuoTask -TaskId " + latest.TaskId, e.Exception.Message);
        });
    }

    [Fact]
    public async Task AnyReturnsOnlyTheFirstTaskToEnd()
    {
        var options = new FakeHighwayOptions
        {
            TaskLife = s => s.Prompt == "fast" ? (TimeSpan.Zero, TimeSpan.FromMilliseconds(300)) : (TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png", "c.png");

        var result = session.Run("""
            [pscustomobject]@{ Path = 'a.png'; Prompt = 'slow' }, [pscustomobject]@{ Path = 'b.png'; Prompt = 'fast' },
            [pscustomobject]@{ Path = 'c.png'; Prompt = 'slow' } | New-HailuoVideo | Wait-HailuoTask -Any -PollInterval 0.2
            """);

        result.ThrowIfFailed();
        var first = Assert.Single(result.Objects<HailuoTask>());
        Assert.Equal("fast", first.Prompt);
    }

    [Fact]
    public async Task AnyReportsAFailedFirstTaskAsAnError()
    {
        var options = new FakeHighwayOptions
        {
            FailWhen = s => s.Prompt == "fast" ? "boom" : null,
            TaskLife = s => s.Prompt == "fast" ? (TimeSpan.Zero, TimeSpan.FromMilliseconds(200)) : (TimeSpan.Zero, TimeSpan.FromMinutes(5)),
        };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png");

        var result = session.Run("""
            [pscustomobject]@{ Path = 'a.png'; Prompt = 'slow' }, [pscustomobject]@{ Path = 'b.png'; Prompt = 'fast' } |
                New-HailuoVideo | Wait-HailuoTask -Any -PollInterval 0.2
            """);

        Assert.Empty(result.Output);
        Assert.Equal(new[] { "HailuoTaskFailed," + Wait }, result.ErrorIds);
    }

    [Fact]
    public async Task ProgressHasABatchBarAndChildBarsEachCompleted()
    {
        var options = new FakeHighwayOptions { QueuedFor = TimeSpan.FromMilliseconds(100), ProcessingFor = TimeSpan.FromSeconds(1.5) };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png");

        var result = session.Run("'a.png','b.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.2");

        result.ThrowIfFailed();
        // Wait-HailuoTask's bars: New-HailuoVideo's own bar (its submissions) stands apart, with an id of its own.
        var batch = result.Progress.Where(p => p.ParentActivityId < 0 && p.Activity == "Waiting for Hailuo videos").ToList();
        var children = result.Progress.Where(p => p.ParentActivityId >= 0).ToList();
        Assert.DoesNotContain(result.Progress, p => p.ParentActivityId < 0 && p.Activity != "Waiting for Hailuo videos" && p.ActivityId == batch[0].ActivityId);
        Assert.NotEmpty(batch);
        Assert.Single(batch.Select(p => p.ActivityId).Distinct());
        int batchId = batch[0].ActivityId;
        Assert.All(children, c => Assert.Equal(batchId, c.ParentActivityId));
        Assert.Equal(2, children.Select(c => c.ActivityId).Distinct().Count());
        // Every bar shown gets exactly one Completed record, and it is its last record.
        foreach (var bar in result.Progress.GroupBy(p => p.ActivityId))
        {
            Assert.Equal(ProgressRecordType.Completed, bar.Last().RecordType);
            Assert.Single(bar, p => p.RecordType == ProgressRecordType.Completed);
        }
        Assert.Contains(batch, p => p.StatusDescription.Contains("running"));
        Assert.Contains(children, c => c.PercentComplete > 0 && c.PercentComplete < 100);
    }

    [Fact]
    public async Task ProgressUpdatesAreThrottledPerBar()
    {
        var options = new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromSeconds(2) };
        await using var rig = await FakeRig.StartAsync(options);
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png", "c.png", "d.png");

        // Polling every 50 ms gives far more changes than may be shown.
        var result = session.Run("'a.png','b.png','c.png','d.png' | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.05");

        result.ThrowIfFailed();
        int polls = fake.ResultRequestCount;
        int batchUpdates = result.Progress.Count(p => p.ParentActivityId < 0 && p.Activity == "Waiting for Hailuo videos");
        Assert.True(polls > 4 * batchUpdates, $"{polls} polls vs {batchUpdates} batch updates");
    }

    [Fact]
    public async Task GetHailuoTaskRefreshesStateAndKeepsLocalFacts()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.FromMinutes(1) });
        var (fake, session) = rig;
        WriteImages(session, "a.png");

        var result = session.Run("""
            $t = New-HailuoVideo a.png -Prompt 'kept' -Resolution 1080P
            $t
            $t | Get-HailuoTask                         # by object
            Get-HailuoTask $t.TaskId                    # by id: this session remembers the task
            [pscustomobject]@{ task_id = $t.TaskId } | Get-HailuoTask   # by property name
            """);

        result.ThrowIfFailed();
        var snapshots = result.Objects<HailuoTask>();
        Assert.Equal(4, snapshots.Length);
        var submitted = snapshots[0];
        foreach (var refreshed in snapshots.Skip(1))
        {
            Assert.Equal(submitted.TaskId, refreshed.TaskId);
            Assert.Equal(HailuoTaskStatus.Queued, refreshed.Status);
            Assert.Equal("kept", refreshed.Prompt);
            Assert.Equal("1080P", refreshed.Resolution);
            Assert.Equal(submitted.SourceImage, refreshed.SourceImage);
            Assert.Equal(submitted.SubmittedAt, refreshed.SubmittedAt);
            Assert.True(refreshed.LastUpdated > submitted.LastUpdated);
            Assert.Null(refreshed.CompletedAt);
        }
    }

    [Fact]
    public async Task GetHailuoTaskWritesInInputOrderAndReportsUnknownIds()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { ResultLatency = TimeSpan.FromMilliseconds(50) });
        var (fake, session) = rig;
        WriteImages(session, "a.png", "b.png", "c.png");

        var result = session.Run("""
            $ids = @('a.png','b.png','c.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 | ForEach-Object TaskId)
            $ids[2], 'no-such-task', $ids[0], ' ', $ids[1] | Get-HailuoTask
            $ids -join ','
            """);

        Assert.Null(result.Terminating);
        var ids = result.Output.Last().ToString()!.Split(',');
        Assert.Equal(new[] { ids[2], ids[0], ids[1] }, result.Objects<HailuoTask>().Select(t => t.TaskId));
        Assert.Equal(new[] { "HailuoTaskNotFound," + Get, "InvalidTaskId," + Get }, result.ErrorIds);
        Assert.Equal("no-such-task", result.Errors[0].TargetObject);
        Assert.Equal(ErrorCategory.ObjectNotFound, result.Errors[0].CategoryInfo.Category);
    }

    [Fact]
    public async Task AnUnknownStatusIsTreatedAsStillRunning()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(600) });
        var (fake, session) = rig;
        WriteImages(session, "a.png");
        FaultScript.Add(fake.Faults.Result, Fault.Body("""{"task":{"task_id":"x","status":"TASK_STATUS_REFINING","progress_percent":"40"},"videos":[]}"""), times: 2);

        var result = session.Run("New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1");

        result.ThrowIfFailed();
        Assert.Equal(HailuoTaskStatus.Succeeded, Assert.Single(result.Objects<HailuoTask>()).Status);
        Assert.True(fake.ResultRequestCount >= 3);
    }

    [Fact]
    public async Task WaitAcceptsTaskIdsAndAlreadyFinishedTasks()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) });
        var (fake, session) = rig;
        WriteImages(session, "a.png");

        var result = session.Run("""
            $done = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.1
            $before = $args[0].ResultRequestCount
            $again = $done | Wait-HailuoTask                                 # already succeeded: no request
            $byId = Wait-HailuoTask -TaskId $done.TaskId -PollInterval 0.1   # this session saw it succeed
            $again.TaskId, $byId.TaskId, ($args[0].ResultRequestCount - $before)
            """, fake);
        result.ThrowIfFailed();
        var lines = result.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal(lines[0], lines[1]);
        Assert.Equal("0", lines[2]);

        // Another runspace knows nothing of the task: a bare id is asked about at once.
        using var other = new PowerShellSession(fake);
        var fromElsewhere = other.Run("Wait-HailuoTask $args[0] -PollInterval 0.1", lines[0]);
        fromElsewhere.ThrowIfFailed();
        var task = Assert.Single(fromElsewhere.Objects<HailuoTask>());
        Assert.Equal(HailuoTaskStatus.Succeeded, task.Status);
        Assert.Null(task.SourceImage);
        Assert.NotNull(task.SubmittedAt); // from the server's submit_time_ms
    }
}
