// The error model: one category per ErrorId, the same in the code and in the help.
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using HighwayHailuo.Errors;
using Xunit;

namespace HighwayHailuo.UnitTests;

/// <summary>Each ErrorId has one category, and about_HighwayHailuo lists every ErrorId with that category.</summary>
public sealed class ErrorCatalogTests
{
    [Fact]
    public void TheHelpTableListsEveryErrorIdWithItsOneCategory()
    {
        string about = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "en-US", "about_HighwayHailuo.md"));
        var rows = Regex.Matches(about, @"^\| `(\w+)` \| (\w+) \|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var declared = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.Equal(declared.OrderBy(i => i), ErrorIds.Categories.Keys.OrderBy(i => i)); // every id has a category
        Assert.Equal(declared.OrderBy(i => i), rows.Keys.OrderBy(i => i)); // and a row in the help
        Assert.All(declared, id => Assert.Equal(ErrorIds.CategoryOf(id).ToString(), rows[id]));
    }

    [Fact]
    public void AnExceptionTakesItsCategoryFromItsErrorId()
    {
        var error = new HailuoException(ErrorIds.HailuoServiceUnavailable, "m", retryable: true);
        var record = HailuoErrors.Record(error, "target");

        Assert.Equal(ErrorCategory.ResourceUnavailable, record.CategoryInfo.Category);
        Assert.Equal("HailuoServiceUnavailable", record.FullyQualifiedErrorId);
        Assert.True(error.Retryable);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.psd1")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("the repository root (HighwayHailuo.psd1) is not above the test's folder");
    }
}
