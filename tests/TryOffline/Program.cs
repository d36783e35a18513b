// The offline trial: FakeHighway in this process, sample photos in a temporary folder, and the
// tour script (TryOffline.ps1) in the pwsh built from NuGet, on this console, so what it prints
// is exactly what a user would see. Everything it made is removed at the end.
using System.Diagnostics;
using FakeHighway;

string repoRoot = FindRepoRoot();
string pwsh = Path.Combine(repoRoot, "out", "pwsh", OperatingSystem.IsWindows() ? "pwsh.cmd" : "pwsh");
string manifest = Path.Combine(repoRoot, "out", "HighwayHailuo", "HighwayHailuo.psd1");
string script = Path.Combine(repoRoot, "tests", "TryOffline", "TryOffline.ps1");
string fixtures = Path.Combine(repoRoot, "tests", "HighwayHailuo.Tests", "Fixtures");
foreach (var required in new[] { pwsh, manifest })
{
    if (!File.Exists(required))
    {
        Console.Error.WriteLine($"Missing {required}: run `dotnet build` first.");
        return 2;
    }
}

// Tasks take a few seconds, as a short real one would take a minute or two.
var options = new FakeHighwayOptions { QueuedFor = TimeSpan.FromSeconds(1), ProcessingFor = TimeSpan.FromSeconds(4), VideoBytes = 512 * 1024 };
await using var server = await FakeHighwayServer.StartAsync(options);
var folder = Directory.CreateTempSubdirectory("hailuo-try-");
try
{
    var photos = Directory.CreateDirectory(Path.Combine(folder.FullName, "photos"));
    File.Copy(Path.Combine(fixtures, "photo.jpg"), Path.Combine(photos.FullName, "harbour.jpg"));
    File.Copy(Path.Combine(fixtures, "progressive.jpg"), Path.Combine(photos.FullName, "skyline.jpg"));
    File.Copy(Path.Combine(fixtures, "portrait.png"), Path.Combine(photos.FullName, "lighthouse.png"));
    File.WriteAllText(Path.Combine(photos.FullName, "notes.jpg"), "not a photo, to show a pre-flight check");

    Console.WriteLine($"FakeHighway is serving on {server.BaseUri} (key {options.ApiKey}); sample photos are in {photos.FullName}.");
    Console.WriteLine();
    var info = new ProcessStartInfo(pwsh) { UseShellExecute = false, WorkingDirectory = folder.FullName };
    foreach (var arg in new[] { "-NoProfile", "-NoLogo", "-File", script, "-Manifest", manifest })
        info.ArgumentList.Add(arg);
    info.Environment["HIGHWAY_API_KEY"] = options.ApiKey;
    info.Environment["HIGHWAY_BASE_URI"] = server.BaseUri.ToString();
    using var process = Process.Start(info)!;
    if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
    {
        process.Kill(entireProcessTree: true);
        Console.Error.WriteLine("The tour took longer than 5 minutes and was stopped.");
        return 1;
    }
    Console.WriteLine();
    Console.WriteLine($"FakeHighway created {server.Submissions.Count} tasks and served {server.VideoRequestCount} video downloads. Stopped; the temporary folder is removed.");
    return process.ExitCode;
}
finally
{
    folder.Delete(recursive: true);
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.sln")))
            return dir.FullName;
    }
    throw new InvalidOperationException("Cannot find the repository root (HighwayHailuo.sln) above " + AppContext.BaseDirectory);
}
