// The one pre-flight (SubmissionPlanner), without an engine: every model, mode, frame, switch,
// length and resolution the table knows (and some it does not), against what the table's own
// columns say should happen. A new row or a new length adds cases by itself.
using HighwayHailuo.Api;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Errors;
using HighwayHailuo.Images;
using HighwayHailuo.Planning;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class PlannerTests
{
    private static readonly Uri First = new("https://images.test/first.jpg");
    private static readonly Uri Last = new("https://images.test/last.jpg");

    private static readonly string[] Models = [.. HailuoModels.Names, "Hailuo-01", "hailuo-02"];
    private static readonly int[] Durations = [.. HailuoModels.Durations, 7, SubmissionRules.NotAWholeNumber];
    private static readonly string[] Resolutions = [.. HailuoModels.Resolutions, "1080p", "720P"];

    public static TheoryData<string, bool, bool, bool> Shapes()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (string model in Models)
            foreach (bool textOnly in new[] { false, true })
                foreach (bool lastFrame in new[] { false, true })
                    foreach (bool fast in new[] { false, true })
                        data.Add(model, textOnly, lastFrame, fast);
        return data;
    }

    private static SubmissionPlanner Planner(bool textOnly, bool fast) =>
        new(new CallOptions { TextOnly = textOnly, FastPretreatment = fast }, raw => new ImageInput(raw, null, new Uri(raw), null));

    private static ItemValues Values(string model, bool lastFrame, int duration, string resolution, string? prompt = "waves", params string[] brought) =>
        new(model, prompt, prompt, duration, resolution, lastFrame ? Last.OriginalString : null, brought);

    /// <summary>The first rule the table's columns say is broken, in the documented order; null when none is.</summary>
    private static string? Expected(string model, bool textOnly, bool lastFrame, bool fast, int duration, string resolution)
    {
        string? name = HailuoModels.Names.FirstOrDefault(n => n.Equals(model, StringComparison.OrdinalIgnoreCase));
        if (name == null)
            return ErrorIds.UnknownModel;
        var row = HailuoModels.Endpoints.FirstOrDefault(e => e.Model == name && e.TakesImage == !textOnly);
        if (row == null)
            return ErrorIds.TextOnlyNotSupported;
        if (lastFrame && textOnly)
            return ErrorIds.LastFrameNeedsFirstFrame;
        if (lastFrame && !row.TakesLastFrame)
            return ErrorIds.LastFrameNotSupported;
        if (fast && !row.TakesFastPretreatment)
            return ErrorIds.FastPretreatmentNotSupported;
        if (!row.Durations.Contains(duration))
            return ErrorIds.DurationNotSupported;
        string? canonical = row.Resolutions.FirstOrDefault(r => r.Equals(resolution, StringComparison.OrdinalIgnoreCase));
        if (canonical == null)
            return ErrorIds.ResolutionNotSupported;
        return row.Allows(duration, canonical) ? null : ErrorIds.DurationResolutionMismatch;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryItemGetsTheRequestItsRowTakesOrTheFirstRuleItBreaks(string model, bool textOnly, bool lastFrame, bool fast)
    {
        var planner = Planner(textOnly, fast);
        foreach (int duration in Durations)
        {
            foreach (string resolution in Resolutions)
            {
                var plan = planner.PlanItem(textOnly ? null : new ImageInput("first.jpg", null, First, null), Values(model, lastFrame, duration, resolution));
                string? expected = Expected(model, textOnly, lastFrame, fast, duration, resolution);
                string shape = $"{model} textOnly={textOnly} last={lastFrame} fast={fast} {duration} s {resolution}";

                Assert.True(expected == plan.Failure?.Error.ErrorId, $"{shape}: expected {expected ?? "a request"}, got {plan.Failure?.Error.ErrorId ?? "a request"}");
                if (expected != null)
                {
                    Assert.Null(plan.Request);
                    continue;
                }
                // A request carries only what its endpoint takes: nothing is dropped on the way to the body.
                var request = plan.Request!;
                Assert.Equal(!textOnly, request.Endpoint.TakesImage);
                Assert.Equal(textOnly ? null : First.OriginalString, request.SourceImage);
                Assert.Equal(lastFrame ? Last : null, request.LastFrame?.Url);
                Assert.Equal(fast, request.FastPretreatment);
                Assert.True(request.Endpoint.Allows(request.Duration, request.Resolution), shape);
                Assert.Equal(HailuoModels.Canonical(model), request.Model);
            }
        }
        Assert.Null(HailuoModels.Find(HailuoModels.Hailuo23Fast, withImage: false)); // no text-only endpoint
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheCommandLineCheckIsTheItemCheckOfSettledValues(string model, bool textOnly, bool lastFrame, bool fast)
    {
        foreach (int duration in Durations)
        {
            foreach (string resolution in Resolutions)
            {
                var values = Values(model, lastFrame, duration, resolution);
                var once = Planner(textOnly, fast).CheckCommandLine(values, _ => true, promptSettled: true, lastFrameGiven: lastFrame);
                var perItem = Planner(textOnly, fast).PlanItem(textOnly ? null : new ImageInput("first.jpg", null, First, null), values);

                Assert.Equal(perItem.Failure?.Error.ErrorId, once?.Error.ErrorId);
                // Nothing settled (every value may come from a row): nothing to say yet, but a last
                // frame given beside -TextOnly, which no row can mend.
                var unsettled = Planner(textOnly, fast).CheckCommandLine(values, _ => false, promptSettled: false, lastFrameGiven: lastFrame);
                Assert.Equal(textOnly && lastFrame ? ErrorIds.LastFrameNeedsFirstFrame : null, unsettled?.Error.ErrorId);
            }
        }
    }

    [Fact]
    public void APairRefusedBeforeRowsNameTheirModelNamesNoModel()
    {
        // -Duration 10 -Resolution 1080P on the command line, models from the rows: no model of the
        // mode makes it, and the message must not blame one the rows may not name.
        var failure = Planner(false, false).CheckCommandLine(Values(HailuoModels.Default, false, 10, "1080P"),
            parameter => parameter != ItemValues.ModelParameter, promptSettled: true, lastFrameGiven: false);

        Assert.Equal(ErrorIds.DurationResolutionMismatch, failure?.Error.ErrorId);
        Assert.All(HailuoModels.Names, name => Assert.DoesNotContain(name, failure!.Error.Message));
        Assert.Contains("768P", failure!.Error.Message);
    }

    public static TheoryData<string, int, string, string?, string, string[]> Failures => new()
    {
        // model, duration, resolution, prompt, the ErrorId, and the parameters its rule reads.
        { "Hailuo-01", 6, "768P", "waves", ErrorIds.UnknownModel, ["Model", "LastFrame"] },
        { "Hailuo-2.3", 7, "768P", "waves", ErrorIds.DurationNotSupported, ["Duration"] },
        { "Hailuo-2.3", 6, "720P", "waves", ErrorIds.ResolutionNotSupported, ["Resolution"] },
        { "Hailuo-2.3", 10, "1080P", "waves", ErrorIds.DurationResolutionMismatch, ["Duration", "Resolution", "Model"] },
        { "Hailuo-2.3", 6, "768P", null, ErrorIds.PromptMissing, ["Prompt"] },
        { "Hailuo-2.3", 6, "768P", " ", ErrorIds.PromptEmpty, ["Prompt"] },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void AFailureEndsTheCallOnlyWhenNoValueItReadCameFromTheItem(string model, int duration, string resolution, string? prompt, string errorId, string[] reads)
    {
        string[] parameters = ["Model", "Prompt", "Duration", "Resolution", "LastFrame"];
        // Every subset of what an item can bring.
        for (int mask = 0; mask < 1 << parameters.Length; mask++)
        {
            string[] brought = parameters.Where((_, i) => (mask & 1 << i) != 0).ToArray();
            var plan = Planner(false, false).PlanItem(new ImageInput("first.jpg", null, First, null), Values(model, false, duration, resolution, prompt, brought));

            Assert.Equal(errorId, plan.Failure?.Error.ErrorId);
            Assert.Equal(reads, plan.Failure!.Reads);
            Assert.Equal(!reads.Intersect(brought).Any(), plan.EndsTheCall);
        }
    }

    [Fact]
    public void AnImageThatFailsItsOwnCheckIsAlwaysItsItemsFailure()
    {
        var broken = new ImageInput("gone.jpg", null, null, new HailuoException(ErrorIds.ImageNotFound, "gone"));

        var plan = Planner(false, false).PlanItem(broken, Values("Hailuo-01", false, 7, "720P"));

        Assert.Equal(ErrorIds.ImageNotFound, plan.Failure?.Error.ErrorId); // the image is checked first
        Assert.Empty(plan.Failure!.Reads);
        Assert.False(plan.EndsTheCall);
    }

    [Fact]
    public void ALastFrameFromTheCommandLineIsCheckedOnceAndReusedUnlessTheItemBringsItsOwn()
    {
        int resolved = 0;
        var planner = new SubmissionPlanner(new CallOptions(), raw => { resolved++; return new ImageInput(raw, null, new Uri(raw), null); });
        var values = Values(HailuoModels.Hailuo02, true, 6, "768P");

        Assert.Null(planner.CheckCommandLine(values, _ => true, promptSettled: true, lastFrameGiven: true));
        for (int i = 0; i < 3; i++)
            Assert.NotNull(planner.PlanItem(new ImageInput("first.jpg", null, First, null), values).Request);
        Assert.Equal(1, resolved);

        var own = Values(HailuoModels.Hailuo02, true, 6, "768P", "waves", "LastFrame");
        Assert.NotNull(planner.PlanItem(new ImageInput("first.jpg", null, First, null), own).Request);
        Assert.Equal(2, resolved);
    }
}
