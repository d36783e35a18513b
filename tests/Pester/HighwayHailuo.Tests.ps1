#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The user scenarios of the hosted-engine suite (tests/HighwayHailuo.Tests), run in a real pwsh
    against the built module (out/HighwayHailuo) and a FakeHighway process on loopback.
    Run with ./build.ps1 -Test, or after `dotnet build`: Invoke-Pester ./tests/Pester
#>

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Manifest = Join-Path $RepoRoot 'out/HighwayHailuo/HighwayHailuo.psd1'
    if (-not (Test-Path -LiteralPath $Manifest)) { throw "Build the module first: dotnet build (expected $Manifest)." }
    $script:Fixtures = Join-Path $RepoRoot 'tests/HighwayHailuo.Tests/Fixtures'

    Import-Module $Manifest -Force
    $env:HIGHWAY_RETRY_BASE_DELAY_MS = '10'   # same backoff shape, in milliseconds
    $env:HIGHWAY_RATE_WINDOW_SECONDS = '2'    # rate limits per 2 s instead of per minute

    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force

    # A PowerShell of its own (a new runspace, as a new session would be) with the module imported,
    # connected to $Fake, its location in $TestDrive. Dispose it when done.
    function New-ConnectedRunspace([object] $Fake) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($Manifest, $Key, $Uri, $Folder)
            Import-Module $Manifest
            Connect-Highway -ApiKey $Key -BaseUri $Uri
            Set-Location -LiteralPath $Folder
        }).AddArgument($Manifest).AddArgument($Fake.ApiKey).AddArgument($Fake.BaseUri).AddArgument($TestDrive).Invoke()
        $ps.Commands.Clear()
        $ps
    }

    function New-TestImage([string] $Name, [string] $Fixture = 'portrait.png') {
        $path = Join-Path $TestDrive $Name
        Copy-Item -LiteralPath (Join-Path $Fixtures $Fixture) -Destination $path
        Get-Item -LiteralPath $path
    }
}

AfterAll {
    Remove-Item Env:HIGHWAY_RETRY_BASE_DELAY_MS -ErrorAction Ignore
    Remove-Item Env:HIGHWAY_RATE_WINDOW_SECONDS -ErrorAction Ignore
}

Describe 'The main pipeline' {
    BeforeEach {
        $fake = Start-FakeHighway
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Push-Location $TestDrive
    }
    AfterEach {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It 'turns a folder of photos into a folder of videos' {
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'photos')
        $null = New-TestImage 'photos/sunset.jpg' 'photo.jpg'
        $null = New-TestImage 'photos/shot[1].jpg' 'progressive.jpg'

        $files = Get-ChildItem ./photos/*.jpg |
            New-HailuoVideo -Prompt 'The camera slowly pushes in [推进]' -Duration 6 -Resolution 1080P |
            Wait-HailuoTask -PollInterval 0.2 |
            Save-HailuoVideo -Destination ./videos

        $files | Should -HaveCount 2
        $files | ForEach-Object { $_ | Should -BeOfType System.IO.FileInfo }
        ($files.Name | Sort-Object) | Should -Be @('shot[1].mp4', 'sunset.mp4')
        Get-ChildItem ./videos -Filter *.partial | Should -BeNullOrEmpty
        $stats = Get-FakeStats $fake
        $stats.acceptedSubmissions | Should -Be 2
        $stats.resolutions | Should -Be @('1080P', '1080P')
        $stats.videoRequestsWithAuthorization | Should -Be 0
    }

    It 'takes a CSV batch with per-row values' {
        $null = New-TestImage 'a.jpg' 'photo.jpg'
        $null = New-TestImage 'b.png'
        @(
            [pscustomobject]@{ Path = 'a.jpg'; Prompt = 'first'; Duration = 10; Resolution = '768P' }
            [pscustomobject]@{ Path = 'b.png'; Prompt = 'second'; Duration = 6; Resolution = '1080P' }
        ) | Export-Csv -Path ./jobs.csv -NoTypeInformation

        $tasks = Import-Csv ./jobs.csv | New-HailuoVideo

        $tasks | Should -HaveCount 2
        $tasks | ForEach-Object { $_.GetType().FullName | Should -Be 'HighwayHailuo.HailuoTask' }
        ($tasks | Sort-Object Prompt).Duration | Should -Be @(10, 6)
        (Get-FakeStats $fake).durations | Sort-Object | Should -Be @(6, 10)
    }

    It 'takes blank CSV cells as the defaults, and a Url column beside a Path column' {
        $null = New-TestImage 'a.jpg' 'photo.jpg'
        Set-Content -LiteralPath ./jobs.csv -Value @(
            'Path,Url,Prompt,Duration,Resolution'
            'a.jpg,,first,,1080P'
            ',https://images.example.com/c.jpg,second,10,'
        )

        $tasks = Import-Csv ./jobs.csv | New-HailuoVideo

        $tasks | Should -HaveCount 2
        ($tasks | Sort-Object Prompt | ForEach-Object { "$($_.Duration) $($_.Resolution)" }) | Should -Be @('6 1080P', '10 768P')
        ($tasks | Sort-Object Prompt)[1].SourceImage | Should -Be 'https://images.example.com/c.jpg'
    }

    It 'refreshes a task and keeps what the client knew' {
        $null = New-TestImage 'a.png'
        $task = New-HailuoVideo a.png -Prompt 'kept' -Resolution 1080P

        $refreshed = Get-HailuoTask -TaskId $task.TaskId

        $refreshed.TaskId | Should -Be $task.TaskId
        $refreshed.Prompt | Should -Be 'kept'
        $refreshed.SourceImage | Should -Be $task.SourceImage
        $refreshed.ToString() | Should -Be $task.TaskId
    }

    It 'reports a failed task as HailuoTaskFailed and passes nothing on' {
        Stop-FakeHighway $fake
        $fake = Start-FakeHighway -FailWhenPromptContains 'REFUSE'
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        $null = New-TestImage 'a.png'

        $out = New-HailuoVideo a.png -Prompt 'please REFUSE' | Wait-HailuoTask -PollInterval 0.2 -ErrorVariable waitErrors -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $waitErrors | Should -HaveCount 1
        $waitErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoTaskFailed,HighwayHailuo.Commands.WaitHailuoTaskCommand'
        $waitErrors[0].TargetObject.Status | Should -Be 'Failed'
    }

    It 'times out tasks that are still running' {
        Stop-FakeHighway $fake
        $fake = Start-FakeHighway -TaskSeconds 600
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        $null = New-TestImage 'a.png'

        $null = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -Timeout 1 -PollInterval 0.2 -ErrorVariable waitErrors -ErrorAction SilentlyContinue

        $waitErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoWaitTimeout,HighwayHailuo.Commands.WaitHailuoTaskCommand'
    }

    It 'refuses to overwrite without -Force' {
        $null = New-TestImage 'sunset.png'
        Set-Content -Path ./sunset.mp4 -Value 'precious'
        $done = New-HailuoVideo sunset.png -Prompt p | Wait-HailuoTask -PollInterval 0.2

        $done | Save-HailuoVideo -ErrorVariable saveErrors -ErrorAction SilentlyContinue
        $saveErrors[0].FullyQualifiedErrorId | Should -Be 'VideoFileExists,HighwayHailuo.Commands.SaveHailuoVideoCommand'
        Get-Content ./sunset.mp4 | Should -Be 'precious'

        $file = $done | Save-HailuoVideo -Force
        $file.Length | Should -BeGreaterThan 1000
    }

    It 'renews an expired video link once' {
        $null = New-TestImage 'a.png'
        $done = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.2
        $null = Invoke-RestMethod -Method Post -Uri "$($fake.BaseUri)_fake/expire-links"

        $file = $done | Save-HailuoVideo

        $file.Name | Should -Be 'a.mp4'
    }
}

Describe 'Checks before anything is sent' {
    BeforeAll {
        $fake = Start-FakeHighway
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Push-Location $TestDrive
        $null = New-TestImage 'tiny.png' 'tiny.png'
        $null = New-TestImage 'gif-named.jpg' 'anim.gif'
        $null = New-TestImage 'truncated.jpg' 'truncated.jpg'
        $null = New-TestImage 'panorama.jpg' 'panorama.jpg'
        $null = New-TestImage 'good.png'
        $big = New-TestImage 'huge.png'
        $stream = [System.IO.File]::OpenWrite($big.FullName)
        $stream.SetLength(20MB)
        $stream.Dispose()
    }
    AfterAll {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
    }

    It '<Name> gives <ErrorId> and the next image still goes' -ForEach @(
        @{ Name = 'missing.jpg'; ErrorId = 'ImageNotFound' }
        @{ Name = 'gif-named.jpg'; ErrorId = 'UnsupportedImageFormat' }
        @{ Name = 'truncated.jpg'; ErrorId = 'UnsupportedImageFormat' }
        @{ Name = 'huge.png'; ErrorId = 'ImageTooLarge' }
        @{ Name = 'tiny.png'; ErrorId = 'ImageTooSmall' }
        @{ Name = 'panorama.jpg'; ErrorId = 'ImageAspectRatioOutOfRange' }
        @{ Name = 'ftp://example.com/a.jpg'; ErrorId = 'InvalidImageUri' }
    ) {
        $before = (Get-FakeStats $fake).submitRequests

        $tasks = $Name, 'good.png' | New-HailuoVideo -Prompt p -ErrorVariable newErrors -ErrorAction SilentlyContinue

        $newErrors | Should -HaveCount 1
        $newErrors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,HighwayHailuo.Commands.NewHailuoVideoCommand"
        $newErrors[0].TargetObject | Should -Be $Name
        $tasks | Should -HaveCount 1
        (Get-FakeStats $fake).submitRequests | Should -Be ($before + 1)
    }

    It 'stops before reading input when 10 s at 1080P is asked on the command line' {
        { 'good.png' | New-HailuoVideo -Prompt p -Duration 10 -Resolution 1080P -ErrorAction Stop } |
            Should -Throw -ErrorId 'DurationResolutionMismatch,HighwayHailuo.Commands.NewHailuoVideoCommand'
    }

    It '-WhatIf sends nothing and needs no key' {
        Disconnect-Highway
        $before = (Get-FakeStats $fake).submitRequests
        $out = 'good.png' | New-HailuoVideo -Prompt p -WhatIf -BaseUri $fake.BaseUri
        $out | Should -BeNullOrEmpty
        (Get-FakeStats $fake).submitRequests | Should -Be $before
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    }
}

Describe 'Keys and retries' {
    BeforeEach {
        $fake = Start-FakeHighway
        Push-Location $TestDrive
        $null = New-TestImage 'a.png'
        $null = New-TestImage 'b.png' 'lossy.webp'
    }
    AfterEach {
        Pop-Location
        Disconnect-Highway
        Remove-Item Env:HIGHWAY_API_KEY, Env:HIGHWAY_BASE_URI -ErrorAction Ignore
        Stop-FakeHighway $fake
    }

    It 'says how to set a key when there is none' {
        { New-HailuoVideo a.png -Prompt p -BaseUri $fake.BaseUri -ErrorAction Stop } |
            Should -Throw -ErrorId 'ApiKeyMissing,HighwayHailuo.Commands.NewHailuoVideoCommand'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'takes the key from the environment and never shows it' {
        $env:HIGHWAY_API_KEY = 'wrong-key-never-shown'
        $env:HIGHWAY_BASE_URI = $fake.BaseUri
        # A refused key stops the whole call (terminating), so the block catches it to keep every stream.
        $all = & { try { New-HailuoVideo a.png -Prompt p -Verbose -Debug } catch { $_ } } *>&1 | Out-String
        try { New-HailuoVideo a.png -Prompt p -ErrorAction Stop } catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -Be 'HailuoAuthenticationFailed,HighwayHailuo.Commands.NewHailuoVideoCommand'
        $caught.Exception.Message | Should -Match ([regex]::Escape('$env:HIGHWAY_API_KEY'))
        ($all + ($caught | Out-String)) | Should -Not -Match 'wrong-key-never-shown'
    }

    It 'retries a rate-limited submission and bills once' {
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Add-FakeFault $fake 'submit' @{ kind = 'Status'; status = 429; retryAfter = 0; times = 2 }

        $task = New-HailuoVideo a.png -Prompt p

        $task | Should -HaveCount 1
        $stats = Get-FakeStats $fake
        $stats.submitRequests | Should -Be 3
        $stats.acceptedSubmissions | Should -Be 1
    }

    It 'never retries a submission whose outcome is unclear' {
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Add-FakeFault $fake 'submit' @{ kind = 'StatusAfterCreate'; status = 502 }

        $tasks = 'a.png', 'b.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 -ErrorVariable newErrors -ErrorAction SilentlyContinue

        $newErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoSubmitOutcomeUnknown,HighwayHailuo.Commands.NewHailuoVideoCommand'
        $tasks | Should -HaveCount 1
        (Get-FakeStats $fake).submitRequests | Should -Be 2
    }

    It 'gives up after five attempts and goes on with the next image' {
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Add-FakeFault $fake 'submit' @{ kind = 'Status'; status = 503; times = 5 }

        $tasks = 'a.png', 'b.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 -ErrorVariable newErrors -ErrorAction SilentlyContinue

        $newErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoServiceUnavailable,HighwayHailuo.Commands.NewHailuoVideoCommand'
        $tasks | Should -HaveCount 1
        (Get-FakeStats $fake).submitRequests | Should -Be 6
    }
}

Describe 'Journals, faults and resuming' {
    BeforeEach {
        $fake = Start-FakeHighway
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Push-Location $TestDrive
        # Distinct images: the journal recognises an image by its content.
        $null = New-TestImage 'a.png' 'portrait.png'
        $null = New-TestImage 'b.jpg' 'photo.jpg'
        $null = New-TestImage 'c.jpg' 'comment.jpg'
    }
    AfterEach {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It 'sends nothing again when the same command runs with the same journal' {
        $first = Get-ChildItem a.png, b.jpg, c.jpg | New-HailuoVideo -Prompt p -Journal run.jsonl
        $again = Get-ChildItem a.png, b.jpg, c.jpg | New-HailuoVideo -Prompt p -Journal run.jsonl |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination videos

        $first | Should -HaveCount 3
        $again | Should -HaveCount 3
        $stats = Get-FakeStats $fake
        $stats.acceptedSubmissions | Should -Be 3
        $stats.maxSubmissionsPerImage | Should -Be 1
        (Get-Content run.jsonl | Where-Object { $_ -match '"state":"submitted"' }) | Should -HaveCount 3
    }

    It 're-attaches to every task of a journal in a new session' {
        $null = Get-ChildItem a.png, b.jpg | New-HailuoVideo -Prompt p -Journal run.jsonl
        Disconnect-Highway
        $tasks = Get-HailuoTask -Journal run.jsonl -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri

        $tasks | Should -HaveCount 2
        $tasks.SourceImage | Should -Match 'a\.png$|b\.jpg$'
    }

    It 'refuses a file that is not a journal and leaves it untouched' {
        Set-Content -LiteralPath notes.txt -Value 'my notes'

        { New-HailuoVideo a.png -Prompt p -Journal notes.txt -ErrorAction Stop } | Should -Throw -ErrorId 'JournalInvalid,HighwayHailuo.Commands.NewHailuoVideoCommand'
        Get-Content -LiteralPath notes.txt | Should -Be 'my notes'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'records an unclear submission as unknown and resends it only with -Force' {
        Add-FakeFault $fake 'submit' @{ kind = 'StatusAfterCreate'; status = 502 }

        $null = New-HailuoVideo a.png -Prompt p -Journal run.jsonl -ErrorVariable firstErrors -ErrorAction SilentlyContinue
        $null = New-HailuoVideo a.png -Prompt p -Journal run.jsonl -ErrorVariable againErrors -ErrorAction SilentlyContinue

        $firstErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoSubmitOutcomeUnknown,HighwayHailuo.Commands.NewHailuoVideoCommand'
        $againErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoSubmitOutcomeUnknown,HighwayHailuo.Commands.NewHailuoVideoCommand'
        (Get-FakeStats $fake).submitRequests | Should -Be 1
        $null = New-HailuoVideo a.png -Prompt p -Journal run.jsonl -Force
        (Get-FakeStats $fake).submitRequests | Should -Be 2
    }

    It 'resumes a dropped download with a Range request' {
        Add-FakeFault $fake 'video' @{ kind = 'Drop' }

        $file = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination videos

        $file.Length | Should -Be (256 * 1024)
        (Get-FakeStats $fake).videoRangeRequests | Should -Be 1
        Get-ChildItem videos -Filter *.partial | Should -BeNullOrEmpty
    }

    It '<Name> gives <ErrorId> and sends nothing' -ForEach @(
        @{ Name = 'a task id with a slash'; Script = { Get-HailuoTask -TaskId 'a/b' -ErrorAction Stop }; ErrorId = 'InvalidTaskId' }
        @{ Name = 'a missing journal'; Script = { Get-HailuoTask -Journal missing.jsonl -ErrorAction Stop }; ErrorId = 'JournalNotFound' }
        @{ Name = 'a journal in a missing folder'; Script = { New-HailuoVideo a.png -Prompt p -Journal nowhere/run.jsonl -ErrorAction Stop }; ErrorId = 'JournalWriteFailed' }
        @{ Name = 'a base URI with a query'; Script = { New-HailuoVideo a.png -Prompt p -BaseUri 'https://api.example.com/?key=x' -ErrorAction Stop }; ErrorId = 'InvalidBaseUri' }
        @{ Name = 'a prompt over 2000 characters'; Script = { New-HailuoVideo a.png -Prompt ('x' * 2001) -ErrorAction Stop }; ErrorId = 'PromptTooLong' }
        @{ Name = 'a timeout of 0'; Script = { New-HailuoVideo a.png -Prompt p -TimeoutSec 0 -ErrorAction Stop }; ErrorId = 'ParameterArgumentValidationError' }
    ) {
        $caught = $null
        try { & $Script } catch { $caught = $_ }

        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }
}

Describe 'Under a rate limit' {
    BeforeAll {
        $fake = Start-FakeHighway -SubmitRate '3/2'
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    }
    AfterAll {
        Disconnect-Highway
        Stop-FakeHighway $fake
    }

    It 'makes each image wait its turn instead of failing' {
        Push-Location $TestDrive
        try {
            $images = foreach ($fixture in 'portrait.png', 'photo.jpg', 'alpha.webp', 'progressive.jpg', 'comment.jpg', 'lossy.webp', 'lossless.webp') {
                New-TestImage "r-$fixture" $fixture
            }
            $tasks = $images | New-HailuoVideo -Prompt p -ThrottleLimit 7

            $tasks | Should -HaveCount 7
            $stats = Get-FakeStats $fake
            $stats.acceptedSubmissions | Should -Be 7
            $stats.rateLimitedSubmits | Should -BeGreaterThan 0
            $stats.maxSubmissionsPerImage | Should -Be 1
        }
        finally { Pop-Location }
    }
}

Describe 'In thread jobs and parallel script blocks' {
    # Runbooks and scripts fan out with Start-ThreadJob and ForEach-Object -Parallel (the official
    # pwsh has both). Each thread is a runspace of its own: the module is imported there, a key is
    # passed there (Connect-Highway belongs to the runspace that ran it), and the tasks come back
    # as live HailuoTask objects, not deserialized copies.
    BeforeEach {
        $fake = Start-FakeHighway
        $null = New-TestImage 'a.png'
        $null = New-TestImage 'b.png' 'tiny.png'
        $null = New-TestImage 'c.png'
    }
    AfterEach {
        Stop-FakeHighway $fake
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It 'submits, waits and saves inside Start-ThreadJob' {
        $job = Start-ThreadJob -ArgumentList $Manifest, $fake.ApiKey, $fake.BaseUri, $TestDrive -ScriptBlock {
            param($Manifest, $Key, $Uri, $Folder)
            Import-Module $Manifest
            Connect-Highway -ApiKey ([pscredential]::new('runbook', (ConvertTo-SecureString $Key -AsPlainText -Force))) -BaseUri $Uri
            New-HailuoVideo (Join-Path $Folder 'a.png') -Prompt 'in a thread job' | Wait-HailuoTask -PollInterval 0.1 |
                Save-HailuoVideo -Destination (Join-Path $Folder 'videos')
        }
        $saved = $job | Receive-Job -Wait -AutoRemoveJob -ErrorVariable failed

        $failed | Should -BeNullOrEmpty
        $saved | Should -HaveCount 1
        $saved[0] | Should -BeOfType ([System.IO.FileInfo])
        $saved[0].Name | Should -Be 'a.mp4'
    }

    It 'takes images in ForEach-Object -Parallel and reports a bad one there, the others going on' {
        $key = $fake.ApiKey; $uri = $fake.BaseUri
        $results = 'a.png', 'b.png', 'c.png' | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:Manifest
            New-HailuoVideo (Join-Path $using:TestDrive $_) -Prompt "parallel $_" -ApiKey $using:key -BaseUri $using:uri -ErrorAction SilentlyContinue -ErrorVariable bad
            foreach ($e in $bad) { 'ERROR ' + $e.FullyQualifiedErrorId.Split(',')[0] }
        }

        $tasks = @($results | Where-Object { $_ -is [HighwayHailuo.HailuoTask] })
        ($tasks.SourceImage | Split-Path -Leaf | Sort-Object) | Should -Be @('a.png', 'c.png')
        $results | Where-Object { $_ -is [string] } | Should -Be 'ERROR ImageTooSmall'
        (Get-FakeStats $fake).acceptedSubmissions | Should -Be 2
    }

    It 'needs a key in each thread: the caller''s Connect-Highway stays with the caller' {
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        try {
            $job = Start-ThreadJob -ArgumentList $Manifest, $fake.BaseUri, $TestDrive -ScriptBlock {
                param($Manifest, $Uri, $Folder)
                Import-Module $Manifest
                New-HailuoVideo (Join-Path $Folder 'a.png') -Prompt p -BaseUri $Uri
            }
            $null = $job | Receive-Job -Wait -AutoRemoveJob -ErrorVariable failed -ErrorAction SilentlyContinue
        }
        finally { Disconnect-Highway }

        $failed.FullyQualifiedErrorId | Should -Match '^ApiKeyMissing'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }
}

Describe 'The module' {
    It 'has a clean manifest that exports exactly its cmdlets' {
        $module = Test-ModuleManifest -Path $Manifest
        $module.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        ($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @('Connect-Highway', 'Disconnect-Highway', 'Get-HailuoTask', 'New-HailuoVideo', 'Save-HailuoVideo', 'Wait-HailuoTask')
    }

    It 'declares its output types' {
        (Get-Command New-HailuoVideo).OutputType.Type.FullName | Should -Be 'HighwayHailuo.HailuoTask'
        (Get-Command Save-HailuoVideo).OutputType.Type.FullName | Should -Be 'System.IO.FileInfo'
    }

    It 'has release notes, tags and a changelog, and no invented project address' {
        $module = Test-ModuleManifest -Path $Manifest
        $module.ReleaseNotes | Should -Match 'CHANGELOG\.md'
        $module.Tags | Should -Contain 'PSEdition_Core'
        $module.ProjectUri | Should -BeNullOrEmpty
        Join-Path $RepoRoot 'CHANGELOG.md' | Should -Exist
    }
}

Describe 'Help' {
    It '<Name> has full help: synopsis, description, every parameter and three examples' -ForEach @(
        @{ Name = 'Connect-Highway' }, @{ Name = 'Disconnect-Highway' }, @{ Name = 'New-HailuoVideo' },
        @{ Name = 'Get-HailuoTask' }, @{ Name = 'Wait-HailuoTask' }, @{ Name = 'Save-HailuoVideo' }
    ) {
        $help = Get-Help $Name -Full
        $markdown = Get-Content -Raw (Join-Path $RepoRoot "docs/en-US/$Name.md")

        $help.Synopsis | Should -Not -BeNullOrEmpty
        $markdown | Should -Match ([regex]::Escape($help.Synopsis.Trim()))
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 40
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        $real = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }
        foreach ($parameter in $real) {
            $described = $help.parameters.parameter | Where-Object name -eq $parameter
            ($described.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
        $documented = [regex]::Matches($markdown, '(?m)^### -(\w+)\s*$') | ForEach-Object { $_.Groups[1].Value }
        Compare-Object @($real) @($documented) | Should -BeNullOrEmpty
    }

    It 'has the about topic' {
        Get-Help about_HighwayHailuo | Out-String | Should -Match 'HailuoSubmitOutcomeUnknown'
    }
}

Describe 'The PowerShell experience' {
    BeforeAll {
        $fake = Start-FakeHighway
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    }
    AfterAll {
        Disconnect-Highway
        Stop-FakeHighway $fake
    }
    BeforeEach {
        Push-Location $TestDrive
        $null = New-TestImage 'a.png'
    }
    AfterEach {
        Pop-Location
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It 'sends camera moves as one group of the Chinese commands' {
        $task = New-HailuoVideo a.png -Prompt 'A boat at dawn' -CameraMovement PushIn, PanLeft

        $task.Prompt | Should -Be 'A boat at dawn [推进,左摇]'
        (Get-FakeStats $fake).prompts | Should -Contain 'A boat at dawn [推进,左摇]'
    }

    It 'refuses more than three camera moves before sending anything' {
        $before = (Get-FakeStats $fake).submitRequests
        { New-HailuoVideo a.png -Prompt p -CameraMovement PushIn, PanLeft, ZoomIn, Shake -ErrorAction Stop } | Should -Throw -ErrorId 'TooManyCameraMovements,HighwayHailuo.Commands.NewHailuoVideoCommand'
        (Get-FakeStats $fake).submitRequests | Should -Be $before
    }

    It 'warns about an English camera move written in the prompt' {
        $null = New-HailuoVideo a.png -Prompt 'slow [push in]' -WarningVariable warnings -WarningAction SilentlyContinue

        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match '\[推进\]'
    }

    It 'completes task ids newest first, camera moves and folders' {
        $first = New-HailuoVideo a.png -Prompt 'one'
        $second = New-HailuoVideo a.png -Prompt 'two'
        $null = New-Item -ItemType Directory -Path videos

        $ids = (TabExpansion2 -inputScript 'Wait-HailuoTask -TaskId ' -cursorColumn 24).CompletionMatches
        $moves = (TabExpansion2 -inputScript 'New-HailuoVideo a.png -Prompt p -CameraMovement Pa' -cursorColumn 50).CompletionMatches
        $folders = (TabExpansion2 -inputScript 'Save-HailuoVideo -TaskId t -Destination vi' -cursorColumn 42).CompletionMatches

        $ids[0].CompletionText | Should -Be $second.TaskId
        $ids[1].CompletionText | Should -Be $first.TaskId
        $ids[0].ToolTip | Should -Match '^Queued'
        $moves.CompletionText | Should -Be @('PanLeft', 'PanRight')
        $folders.CompletionText | Should -Be @('videos')
    }

    It 'shows the video link expiry in the list view' {
        $text = New-HailuoVideo a.png -Prompt p | Wait-HailuoTask -PollInterval 0.2 | Format-List | Out-String -Width 200

        $text | Should -Match 'VideoUrlExpiresAt\s*:\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in \d+ min\)'
    }

    It 'ends a -WhatIf batch with one summary line' {
        $null = New-TestImage 'b.jpg' 'photo.jpg'
        # The summary goes to the host, like the What if: lines; a transcript records it.
        $transcript = Join-Path $TestDrive 'host.txt'
        Start-Transcript -Path $transcript | Out-Null
        Get-ChildItem a.png, b.jpg | New-HailuoVideo -Prompt p -WhatIf
        Stop-Transcript | Out-Null
        Get-Content $transcript | Where-Object { $_ -like 'What if: 2 videos*' } | Should -Be 'What if: 2 videos, 12 s of video in total: Hailuo-2.3 12 s (2 at 768P). Nothing was sent.'
    }

    It 'stops at the first failure with -ErrorAction Stop and writes no progress when asked not to' {
        Set-Content -LiteralPath bad.png -Value 'not an image'
        $before = (Get-FakeStats $fake).submitRequests

        { 'bad.png', 'a.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 -ErrorAction Stop } | Should -Throw -ErrorId 'UnsupportedImageFormat,HighwayHailuo.Commands.NewHailuoVideoCommand'
        (Get-FakeStats $fake).submitRequests | Should -Be $before
    }
}

Describe 'What a user sees in a real shell' {
    BeforeAll {
        $fake = Start-FakeHighway -TaskSeconds 0.4
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    }
    AfterAll {
        Disconnect-Highway
        Stop-FakeHighway $fake
    }
    BeforeEach {
        Push-Location $TestDrive
        $null = New-Item -ItemType Directory -Path photos
        $null = New-TestImage 'photos/sunset.jpg' 'photo.jpg'
        $null = New-TestImage 'photos/harbour.png'
    }
    AfterEach {
        Pop-Location
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It 'writes saved videos exactly as Get-ChildItem lists them, and they pipe like files' {
        $saved = Get-ChildItem ./photos | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.2 |
            Save-HailuoVideo -Destination ./videos | Sort-Object Name
        $listed = Get-ChildItem ./videos | Sort-Object Name

        $saved.Name | Should -Be @('harbour.mp4', 'sunset.mp4')
        foreach ($property in 'PSPath', 'PSParentPath', 'PSChildName', 'PSDrive', 'PSProvider', 'PSIsContainer', 'Mode', 'Length') {
            "$($saved.$property)" | Should -Be "$($listed.$property)" -Because "$property must match Get-ChildItem's"
        }
        $saved[0].PSDrive | Should -Not -BeNullOrEmpty
        ($saved | Format-Table | Out-String -Width 120) | Should -Be ($listed | Format-Table | Out-String -Width 120)
        if (-not $IsWindows) {
            $row = ($saved | Format-Table | Out-String -Width 120) -split "`n" | Where-Object { $_ -match 'harbour\.mp4' }
            $row | Should -Match '^-rw\S+\s+\S+\s+\S+\s+.+\s\d+ harbour\.mp4\s*$' -Because 'UnixMode, User, Group and Size are filled in'
        }

        $saved[0] | Copy-Item -Destination ./copy.mp4
        $saved[1] | Remove-Item
        Test-Path ./copy.mp4 | Should -BeTrue
        Test-Path ./videos/sunset.mp4 | Should -BeFalse
    }

    It 'lists this session''s tasks with no arguments, fresh, in submission order, and filters by status' {
        # A runspace of its own: this one has seen the tasks of every test before this one.
        $ps = New-ConnectedRunspace $fake
        try {
            $ps.AddScript({ @(Get-HailuoTask).Count }).Invoke() | Should -Be 0
            $ps.Commands.Clear()
            $first, $second = $ps.AddScript({
                Get-ChildItem ./photos/sunset.jpg | New-HailuoVideo -Prompt first
                New-HailuoVideo ./photos/harbour.png -Prompt second
            }).Invoke()
            $first.Status | Should -Be 'Queued'
            Start-Sleep -Seconds 1.5   # FakeHighway ends each task 0.4 s after it was created

            $ps.Commands.Clear()
            $listed = $ps.AddScript({ Get-HailuoTask }).Invoke()
            $ps.Commands.Clear()
            $failed = $ps.AddScript({ Get-HailuoTask -Status Failed }).Invoke()
            $ps.Commands.Clear()
            $ended = $ps.AddScript({ Get-HailuoTask -Status Succeeded, Failed }).Invoke()

            $listed.TaskId | Should -Be @($first.TaskId, $second.TaskId)
            $listed.Status | Should -Be @('Succeeded', 'Succeeded') -Because 'the state is fresh from the API'
            @($failed) | Should -HaveCount 0
            $ended.TaskId | Should -Be @($first.TaskId, $second.TaskId)
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'lists the tasks already paid for after Ctrl+C in the middle of New | Wait | Save' {
        $slow = Start-FakeHighway -TaskSeconds 60
        $ps = New-ConnectedRunspace $slow
        try {
            $null = $ps.AddScript({
                Get-ChildItem ./photos | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos
            })
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-FakeStats $slow).resultRequests -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $ps.Stop()   # what Ctrl+C does
            $null = try { $ps.EndInvoke($handle) } catch { $_ }

            $ps.Commands.Clear()
            $listed = $ps.AddScript({ Get-HailuoTask }).Invoke()

            $stats = Get-FakeStats $slow
            $stats.acceptedSubmissions | Should -Be 2
            @($listed) | Should -HaveCount 2
            ($listed.SourceImage | Split-Path -Leaf | Sort-Object) | Should -Be @('harbour.png', 'sunset.jpg')
            $listed.Status | Should -Be @('Queued', 'Queued')
        }
        finally {
            $ps.Dispose()
            Stop-FakeHighway $slow
        }
    }

    It 'shows whole task ids in a 120-column table and every column at 80' {
        $task = New-HailuoVideo ./photos/sunset.jpg -Prompt p
        $task.TaskId.Length | Should -Be 36

        $wide = ($task | Format-Table | Out-String -Width 120) -split "`n" | Where-Object { $_.Trim() }
        $narrow = ($task | Format-Table | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }

        $wide[0] -split '\s+' | Where-Object { $_ } | Should -Be @('SourceImage', 'Status', 'Progress', 'Model', 'Video', 'TaskId')
        $wide[2] | Should -Match "^sunset\.jpg\s.*\s$([regex]::Escape($task.TaskId))\s*$"
        $narrow | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $narrow[0] -split '\s+' | Where-Object { $_ } | Should -Be @('SourceImage', 'Status', 'Progress', 'Model', 'Video', 'TaskId')
        $narrow[2] | Should -Match "\s2\.3\s+6 s 768P\s+$([regex]::Escape($task.TaskId.Substring(0, 21)))…\s*$"
    }
}

Describe 'The Hailuo family' {
    BeforeEach {
        $fake = Start-FakeHighway -TaskSeconds 0.5
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Push-Location $TestDrive
        $null = New-TestImage 'a.jpg' 'photo.jpg'
        $null = New-TestImage 'b.jpg' 'progressive.jpg'
        $null = New-TestImage 'end.png'
        $null = New-TestImage 'tiny.png' 'tiny.png'
    }
    AfterEach {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
    }

    It '-Model <Model> sends the image to <Endpoint> with only its fields' -ForEach @(
        @{ Model = 'Hailuo-2.3'; Endpoint = 'minimax-hailuo-2.3-i2v'; Fields = 'prompt,image,duration,resolution,enable_prompt_expansion,fast_pretreatment' }
        @{ Model = 'Hailuo-2.3-Fast'; Endpoint = 'minimax-hailuo-2.3-fast-i2v'; Fields = 'prompt,image,duration,resolution,enable_prompt_expansion' }
        @{ Model = 'Hailuo-02'; Endpoint = 'minimax-hailuo-02'; Fields = 'prompt,image,duration,resolution,enable_prompt_expansion,fast_pretreatment' }
    ) {
        $task = New-HailuoVideo ./a.jpg -Prompt 'waves' -Model $Model

        $task.Model | Should -Be $Model
        $stats = Get-FakeStats $fake
        $stats.endpoints | Should -Be @($Endpoint)
        $stats.fields | Should -Be @($Fields)
    }

    It 'makes videos from prompts alone, piped as strings or from a CSV' {
        Set-Content -Path prompts.csv -Value @('Prompt,Model', 'a red fox in snow,', 'a lighthouse at dusk,Hailuo-02')

        $byValue = 'a paper boat', 'a kite' | New-HailuoVideo -TextOnly
        $fromCsv = Import-Csv ./prompts.csv | New-HailuoVideo -TextOnly

        ($byValue.Prompt | Sort-Object) | Should -Be @('a kite', 'a paper boat')
        ($fromCsv | Sort-Object Prompt | ForEach-Object Model) | Should -Be @('Hailuo-02', 'Hailuo-2.3')
        @($byValue) + @($fromCsv) | ForEach-Object { $_.SourceImage | Should -BeNullOrEmpty }
        $stats = Get-FakeStats $fake
        ($stats.endpoints | Sort-Object) | Should -Be @('minimax-hailuo-02', 'minimax-hailuo-2.3-t2v', 'minimax-hailuo-2.3-t2v', 'minimax-hailuo-2.3-t2v')
        $stats.fields | ForEach-Object { $_ | Should -Not -Match 'image' }
    }

    It 'sends nothing for a pipeline that delivers no images' {
        $null = New-Item -ItemType Directory -Path ./empty
        $out = Get-ChildItem ./empty | New-HailuoVideo -Prompt x

        $out | Should -BeNullOrEmpty
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It '<Script> stops with <ErrorId> before anything is sent' -ForEach @(
        @{ Script = "'x' | New-HailuoVideo -TextOnly -Model Hailuo-2.3-Fast"; ErrorId = 'TextOnlyNotSupported'; Category = 'InvalidArgument' }
        @{ Script = 'Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -Model Hailuo-2.3-Fast -FastPretreatment'; ErrorId = 'FastPretreatmentNotSupported'; Category = 'InvalidArgument' }
        @{ Script = 'Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame end.png'; ErrorId = 'LastFrameNotSupported'; Category = 'InvalidArgument' }
        @{ Script = "New-HailuoVideo -TextOnly 'a fox' -LastFrame end.png -Model Hailuo-02"; ErrorId = 'LastFrameNeedsFirstFrame'; Category = 'InvalidArgument' }
        @{ Script = 'Get-ChildItem *.jpg | New-HailuoVideo -Prompt x -LastFrame tiny.png -Model Hailuo-02'; ErrorId = 'ImageTooSmall'; Category = 'InvalidData' }
    ) {
        $caught = $null
        try { & ([scriptblock]::Create($Script)) -ErrorAction Stop } catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $caught.CategoryInfo.Category | Should -Be $Category
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'refuses, under -TextOnly, a piped image instead of leaving it out, and two sources of prompts' {
        $rows = Get-ChildItem *.jpg | New-HailuoVideo -TextOnly -ErrorVariable rowErrors -ErrorAction SilentlyContinue
        $caught = $null
        try { 'a fox', 'a cat' | New-HailuoVideo -TextOnly -Prompt 'a dog' -ErrorAction Stop } catch { $caught = $_ }

        $rows | Should -BeNullOrEmpty
        $rowErrors.FullyQualifiedErrorId | Should -BeLike 'TextOnlyItemHasImage,*'
        $rowErrors | Should -HaveCount 2
        $caught.FullyQualifiedErrorId | Should -BeLike 'PromptConflict,*'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'keeps 10 s at 768P only for <Model>' -ForEach @(@{ Model = 'Hailuo-2.3-Fast' }, @{ Model = 'Hailuo-02' }) {
        $caught = $null
        try { New-HailuoVideo ./a.jpg -Prompt p -Model $Model -Duration 10 -Resolution 1080P -ErrorAction Stop } catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -BeLike 'DurationResolutionMismatch,*'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'sends camera moves to a model whose page lists none, with one warning' {
        $tasks = Get-ChildItem *.jpg | New-HailuoVideo -Prompt 'waves' -CameraMovement PushIn -Model Hailuo-02 -WarningVariable warned -WarningAction SilentlyContinue

        $tasks | Should -HaveCount 2
        $warned | Should -HaveCount 1
        "$warned" | Should -Match 'Hailuo-02'
        (Get-FakeStats $fake).prompts | Should -Be @('waves [推进]', 'waves [推进]')
    }

    It 'reports a CSV row that breaks its model''s rule and sends the others' {
        Set-Content -Path frames.csv -Value @('Path,LastFrame,Model,Prompt', 'a.jpg,end.png,Hailuo-02,first to last', 'b.jpg,end.png,Hailuo-2.3,not allowed', 'b.jpg,,,plain')

        $tasks = Import-Csv ./frames.csv | New-HailuoVideo -ErrorVariable rowErrors -ErrorAction SilentlyContinue

        $tasks | Should -HaveCount 2
        $rowErrors | Should -HaveCount 1
        $rowErrors[0].FullyQualifiedErrorId | Should -BeLike 'LastFrameNotSupported,*'
        ($tasks | Where-Object Model -EQ 'Hailuo-02').LastFrame | Should -Be (Join-Path $TestDrive 'end.png')
        @((Get-FakeStats $fake).endImages | Where-Object { $_ }) | Should -HaveCount 1
    }

    It 'drafts with 2.3 Fast, then renders a kept draft with 2.3 from the journal' {
        $drafts = Get-ChildItem *.jpg | New-HailuoVideo -Model Hailuo-2.3-Fast -Prompt 'slow push in' -Journal ./drafts.jsonl |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./drafts
        $render = Get-HailuoTask -Journal ./drafts.jsonl | Where-Object { (Split-Path $_.SourceImage -Leaf) -eq 'b.jpg' } |
            New-HailuoVideo -Model Hailuo-2.3 -Resolution 1080P | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./final

        $drafts | Should -HaveCount 2
        $render.Name | Should -Be 'b.mp4'
        $stats = Get-FakeStats $fake
        ($stats.endpoints | Sort-Object) | Should -Be @('minimax-hailuo-2.3-fast-i2v', 'minimax-hailuo-2.3-fast-i2v', 'minimax-hailuo-2.3-i2v')
        (Get-HailuoTask -Journal ./drafts.jsonl).Model | Should -Be @('Hailuo-2.3-Fast', 'Hailuo-2.3-Fast')
    }

    It 'counts the seconds of each model in the -WhatIf summary' {
        Set-Content -Path mixed.csv -Value @('Path,Model,Prompt,Duration', 'a.jpg,Hailuo-2.3-Fast,p,6', 'b.jpg,,q,10', 'a.jpg,Hailuo-02,r,6')

        $summary = Import-Csv ./mixed.csv | New-HailuoVideo -WhatIf 6>&1 | ForEach-Object { "$_" } | Where-Object { $_ -like 'What if: 3 videos*' }

        $summary | Should -Be 'What if: 3 videos, 22 s of video in total: Hailuo-2.3-Fast 6 s (1 at 768P); Hailuo-2.3 10 s (1 at 768P); Hailuo-02 6 s (1 at 768P). Nothing was sent.'
        (Get-FakeStats $fake).submitRequests | Should -Be 0
    }

    It 'completes -Model with what each model offers' {
        $line = 'New-HailuoVideo -Model '
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches

        $offered.CompletionText | Should -Be @('Hailuo-2.3', 'Hailuo-2.3-Fast', 'Hailuo-02')
        $offered[2].ToolTip | Should -Match 'last frame'
    }
}
