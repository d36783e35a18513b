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
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/CallShapes.psm1') -Force
    $script:fake = Connect-FakeHighway -TaskSeconds 60
    Push-Location $TestDrive
    $script:context = Initialize-HailuoCallShapeRun -FakeBaseUri $fake.BaseUri -ApiKey $fake.ApiKey `
        -ImageFixture (Get-TestFixture 'photo.jpg') -LastFrameFixture (Get-TestFixture 'portrait.png')
    $script:shapes = @(Get-HailuoCallShape)
    $script:options = @(Get-HailuoOptionShape)
}

AfterAll {
    Pop-Location
    Disconnect-FakeHighway $fake
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
