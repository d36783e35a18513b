#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Behaviour is tested in the hosted-engine suite (tests/HighwayHailuo.Tests). This file keeps what only
# a real pwsh shows (thread jobs, ForEach-Object -Parallel, a transcript of host output) and one smoke
# test per scenario family, against the built module and a FakeHighway process. See tests/README.md.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Manifest = Join-Path $RepoRoot 'out/HighwayHailuo/HighwayHailuo.psd1'
    if (-not (Test-Path -LiteralPath $Manifest)) { throw "Build the module first: dotnet build (expected $Manifest)." }
    $script:Fixtures = Join-Path $RepoRoot 'tests/HighwayHailuo.Tests/Fixtures'

    Import-Module $Manifest -Force
    $env:HIGHWAY_RETRY_BASE_DELAY_MS = '10'   # same backoff shape, in milliseconds
    $env:HIGHWAY_RATE_WINDOW_SECONDS = '2'    # rate limits per 2 s instead of per minute

    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force

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
}

Describe 'Checks before anything is sent' {
    BeforeAll {
        $fake = Start-FakeHighway
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Push-Location $TestDrive
        $null = New-TestImage 'good.png'
    }
    AfterAll {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
    }

    It '<Name> gives <ErrorId> and the next image still goes' -ForEach @(
        @{ Name = 'missing.jpg'; ErrorId = 'ImageNotFound' }
    ) {
        $before = (Get-FakeStats $fake).submitRequests

        $tasks = $Name, 'good.png' | New-HailuoVideo -Prompt p -ErrorVariable newErrors -ErrorAction SilentlyContinue

        $newErrors | Should -HaveCount 1
        $newErrors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,HighwayHailuo.Commands.NewHailuoVideoCommand"
        $newErrors[0].TargetObject | Should -Be $Name
        $tasks | Should -HaveCount 1
        (Get-FakeStats $fake).submitRequests | Should -Be ($before + 1)
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

    It 'never retries a submission whose outcome is unclear' {
        Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
        Add-FakeFault $fake 'submit' @{ kind = 'StatusAfterCreate'; status = 502 }

        $tasks = 'a.png', 'b.png' | New-HailuoVideo -Prompt p -ThrottleLimit 1 -ErrorVariable newErrors -ErrorAction SilentlyContinue

        $newErrors[0].FullyQualifiedErrorId | Should -Be 'HailuoSubmitOutcomeUnknown,HighwayHailuo.Commands.NewHailuoVideoCommand'
        $tasks | Should -HaveCount 1
        (Get-FakeStats $fake).submitRequests | Should -Be 2
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
}

Describe 'Help' {
    It '<Name> has full help: synopsis, description, every parameter and three examples' -ForEach @(
        @{ Name = 'New-HailuoVideo' }
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

    It 'ends a -WhatIf batch with one summary line' {
        $null = New-TestImage 'b.jpg' 'photo.jpg'
        # The summary goes to the host, like the What if: lines; a transcript records it.
        $transcript = Join-Path $TestDrive 'host.txt'
        Start-Transcript -Path $transcript | Out-Null
        Get-ChildItem a.png, b.jpg | New-HailuoVideo -Prompt p -WhatIf
        Stop-Transcript | Out-Null
        Get-Content $transcript | Where-Object { $_ -like 'What if: 2 videos*' } | Should -Be 'What if: 2 videos, 12 s of video in total: Hailuo-2.3 12 s (2 at 768P); estimated cost about 0.56 USD (from Get-HailuoPrice: an estimate, not a quote). Nothing was sent.'
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
    }
    AfterEach {
        Pop-Location
        Disconnect-Highway
        Stop-FakeHighway $fake
        Remove-Item -Path (Join-Path $TestDrive '*') -Recurse -Force
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

    It 'caps a batch, estimates its cost and writes a review page of it' {
        $tasks = Get-ChildItem *.jpg | New-HailuoVideo -Prompt 'p' -Journal ./run.jsonl -MaxVideos 1 -ErrorVariable refused -ErrorAction SilentlyContinue -WarningVariable closing -WarningAction SilentlyContinue
        $saved = $tasks | Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos
        @($tasks) + @($saved) | Export-HailuoReview ./review.html

        @($tasks) | Should -HaveCount 1
        $refused.FullyQualifiedErrorId | Should -Be 'SpendingCapReached,HighwayHailuo.Commands.NewHailuoVideoCommand'
        "$closing" | Should -BeLike '*spending cap (-MaxVideos 1) refused 1 item*'
        $tasks.EstimatedCost | Should -Be 0.28
        (Get-HailuoTask -Journal ./run.jsonl | Measure-Object EstimatedCost -Sum).Sum | Should -Be 0.28
        (Get-HailuoPrice | Format-Table | Out-String) | Should -Match 'Hailuo-2\.3-Fast\s+6 s 768P\s+unknown'
        Get-Content -Raw ./review.html | Should -Match 'videos/[ab]\.mp4'
    }
}
