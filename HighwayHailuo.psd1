# Module manifest for HighwayHailuo.
# ModuleVersion is stamped by the build from <Version> in src/HighwayHailuo/HighwayHailuo.csproj, and
# ReleaseNotes from that version's section of CHANGELOG.md;
# the value here is only a placeholder. Import the staged copy in out/HighwayHailuo/.
@{
    RootModule           = 'HighwayHailuo.dll'
    ModuleVersion        = '0.0.0'
    GUID                 = '5d0f7f0e-52b4-4a7e-9a55-3a1c9a2e8b61'
    Author               = 'HighwayHailuo contributors'
    CompanyName          = 'HighwayHailuo'
    Copyright            = '(c) HighwayHailuo contributors. MIT License.'
    Description          = 'Turns still images (or prompts) into short videos with the Highway API''s Minimax Hailuo models (2.3, 2.3 Fast and 02: image to video, first and last frame, text to video): submit, wait and save through typed, pipeline-friendly cmdlets, with journals that never bill an image twice, rate pacing shared across processes, and resumable downloads.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('HighwayHailuo.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Highway'
        'Disconnect-Highway'
        'New-HailuoVideo'
        'Get-HailuoTask'
        'Wait-HailuoTask'
        'Save-HailuoVideo'
        'Get-HailuoPrice'
        'Set-HailuoPrice'
        'Export-HailuoReview'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Highway', 'Hailuo', 'Minimax', 'ImageToVideo', 'TextToVideo', 'Video', 'AI', 'GenerativeAI', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ReleaseNotes = 'Stamped by the build: this version''s section of CHANGELOG.md.'
        }
    }
}
