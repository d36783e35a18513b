#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The hostile-server sweep (tests/Sweeps/ServerFaults.psm1) in a real pwsh: every mode of
    FakeHighway's catalogue on every request it applies to, each met by a whole New | Wait | Save
    batch with a journal, checked against the oracle and against what must always hold (no key
    anywhere, no terminal escape on the screen, nothing billed twice, nothing lost, no partial video).
    The hosted-engine suite runs the same sweep (ServerFaultSweepTests).
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/ServerFaults.psm1') -Force
    $discovery = Start-FakeHighway
    try { $script:Cases = @(Get-HailuoFaultCase -FakeBaseUri $discovery.BaseUri | ForEach-Object { @{ Name = $_.Name; Mode = $_.Mode; Request = $_.Request } }) }
    finally { Stop-FakeHighway $discovery }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/ServerFaults.psm1') -Force
    $script:fake = Connect-FakeHighway -TaskSeconds 0.25
    $script:context = [pscustomobject]@{
        FakeBaseUri = $fake.BaseUri; ApiKey = $fake.ApiKey; Root = "$TestDrive"
        Images = @((Get-TestFixture 'portrait.png'), (Get-TestFixture 'photo.jpg'))
    }
    $script:all = @(Get-HailuoFaultCase -FakeBaseUri $fake.BaseUri)
}

AfterAll {
    Disconnect-FakeHighway $fake
}

Describe 'A hostile server' {
    It '<Name> ends as promised and leaks nothing' -ForEach $Cases {
        $case = $all | Where-Object { $_.Mode -eq $Mode -and $_.Request -eq $Request }
        $result = Test-HailuoFaultCase -Case $case -Context $context
        $result.Problems -join "`n" | Should -BeNullOrEmpty
    }
}
