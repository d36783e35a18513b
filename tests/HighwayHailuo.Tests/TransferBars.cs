// What a transfer's progress bar must look like, for every cmdlet that shows one: one bar (one
// activity id), updates whose status reads as the pattern says and whose percentage never goes
// back, and a Completed record last.
using System.Management.Automation;
using Xunit;

namespace HighwayHailuo.Tests;

internal static class TransferBars
{
    public static void AssertOneBarThenCompleted(IEnumerable<ProgressRecord> records, string activity, string statusPattern)
    {
        var bars = records.Where(p => p.Activity == activity).ToList();
        Assert.True(bars.Count >= 2, $"{bars.Count} progress records for '{activity}'");
        Assert.Single(bars.Select(p => p.ActivityId).Distinct());
        Assert.Equal(ProgressRecordType.Completed, bars[^1].RecordType);
        var updates = bars.Take(bars.Count - 1).ToList();
        Assert.All(updates, p => Assert.Matches(statusPattern, p.StatusDescription));
        Assert.Equal(updates.Select(p => p.PercentComplete).OrderBy(p => p), updates.Select(p => p.PercentComplete));
    }
}
