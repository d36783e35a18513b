#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The call-shape sweep of New-HailuoVideo (tests/Sweeps/CallShapes.psm1) in a real pwsh: every way
    of giving the image and the prompt, with every model, with and without -TextOnly, -LastFrame,
    -Journal and -WhatIf, against a FakeHighway process. One test per way of giving the image; each
    fails with the list of shapes that did not send exactly the documented request, or one specific
    error and nothing. The hosted-engine suite runs the same sweep (CallShapeSweepTests).
#>

BeforeDiscovery {
    $manifest = Join-Path $PSScriptRoot '../../out/HighwayHailuo/HighwayHailuo.psd1'
    Import-Module $manifest -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/CallShapes.psm1') -Force
    $script:ImageModes = @(Get-HailuoCallShape | Select-Object -ExpandProperty Image -Unique)
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $repoRoot 'out/HighwayHailuo/HighwayHailuo.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/CallShapes.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    $env:HIGHWAY_RETRY_BASE_DELAY_MS = '10'
    $env:HIGHWAY_RATE_WINDOW_SECONDS = '2'
    $script:fake = Start-FakeHighway -TaskSeconds 60
    Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    Push-Location $TestDrive
    $fixtures = Join-Path $repoRoot 'tests/HighwayHailuo.Tests/Fixtures'
    $script:context = Initialize-HailuoCallShapeRun -FakeBaseUri $fake.BaseUri -ApiKey $fake.ApiKey `
        -ImageFixture (Join-Path $fixtures 'photo.jpg') -LastFrameFixture (Join-Path $fixtures 'portrait.png')
    $script:shapes = @(Get-HailuoCallShape)
    $script:options = @(Get-HailuoOptionShape)
}

AfterAll {
    Pop-Location
    Disconnect-Highway
    Stop-FakeHighway $fake
    Remove-Item Env:HIGHWAY_RETRY_BASE_DELAY_MS, Env:HIGHWAY_RATE_WINDOW_SECONDS -ErrorAction Ignore
}

Describe 'Every call shape of New-HailuoVideo' {
    It 'covers every way of giving the image and the prompt, with every model and switch' {
        $shapes.Count | Should -BeGreaterOrEqual 3000
        ($shapes.Model | Select-Object -Unique) | Should -Contain 'Hailuo-02'
    }

    It 'image <_>: each shape sends exactly the documented request, or one specific error and nothing' -ForEach $ImageModes {
        $mode = $_
        $failed = foreach ($shape in $shapes | Where-Object Image -eq $mode) {
            $result = Test-HailuoCallShape -Shape $shape -Context $context 6>$null
            if ($result.Problems) { "$($result.Name): $($result.Problems -join '; ')" }
        }
        @($failed) -join "`n" | Should -BeNullOrEmpty
    }

    It 'every other parameter, with each of its sample values, changes the request as documented' {
        $options.Count | Should -BeGreaterOrEqual 100
        $failed = foreach ($shape in $options) {
            $result = Test-HailuoOptionShape -Shape $shape -Context $context 6>$null
            if ($result.Problems) { "$($result.Name): $($result.Problems -join '; ')" }
        }
        @($failed) -join "`n" | Should -BeNullOrEmpty
    }
}
