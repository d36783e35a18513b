<#
    The call-shape sweep of New-HailuoVideo, shared by the hosted-engine suite and the Pester suite.

    Get-HailuoCallShape enumerates every way a user can hand New-HailuoVideo its values: the image and
    the prompt each given by name, by position, down the pipeline by value, by property name (every
    name and alias that takes one), or not at all; with each model, with and without -TextOnly,
    -LastFrame, -Journal and -WhatIf. The dimensions come from the cmdlet's own parameter metadata and
    from tab completion of -Model, so a new image parameter, alias or model adds shapes by itself.

    Invoke-HailuoCallShape runs one shape in the calling runspace (the module imported and connected
    to a FakeHighway) and returns what happened, read from FakeHighway's request log.
    Get-HailuoCallShapeExpectation says what must happen: one specific ErrorId and no request at all,
    or exactly the documented request, its endpoint and fields read from the model table in
    Get-Help about_HighwayHailuo. Test-HailuoCallShape compares the two.
#>
Set-StrictMode -Version 3.0

$script:PromptText = 'A red fox trots through fresh snow'
$script:TaskPromptText = 'A harbour wakes at dawn'

function Get-ShapeDimension {
    <# The dimensions, from parameter metadata: what a shape can vary. #>
    $command = Get-Command New-HailuoVideo
    $parameters = $command.Parameters.Values
    # A parameter that belongs to one parameter set alone chooses that set: a switch (-TextOnly)
    # chooses the mode, any other (-Path, -LiteralPath) is a way of naming the image.
    $setOwners = foreach ($parameter in $parameters) {
        $sets = @($parameter.ParameterSets.Keys | Where-Object { $_ -ne '__AllParameterSets' })
        if ($sets.Count -eq 1 -and -not $parameter.ParameterSets.ContainsKey('__AllParameterSets')) { $parameter }
    }
    $imageParameters = @($setOwners | Where-Object { $_.ParameterType -ne [switch] } | Sort-Object Name)
    $promptParameter = $command.Parameters['Prompt']

    $image = [System.Collections.Generic.List[string]]::new()
    $image.Add('Missing')
    if ($imageParameters | Where-Object { $_.ParameterSets.Values.Position -ge 0 }) { $image.Add('Position') }
    foreach ($parameter in $imageParameters) { $image.Add("Name:$($parameter.Name)") }
    if ($imageParameters | Where-Object { $_.ParameterSets.Values.ValueFromPipeline -contains $true }) {
        $image.Add('Value:String')
        $image.Add('Value:Line')   # a line of Get-Content, which carries its file's PSPath
    }
    $image.Add('Value:FileInfo')   # Get-ChildItem output
    foreach ($parameter in $imageParameters | Where-Object { $_.ParameterSets.Values.ValueFromPipelineByPropertyName -contains $true }) {
        foreach ($name in @($parameter.Name) + @($parameter.Aliases)) { $image.Add("Property:$name") }
    }
    $image.Add('Task')             # a HailuoTask piped back in, as a draft is rendered again

    $prompt = [System.Collections.Generic.List[string]]::new()
    foreach ($mode in 'Missing', 'Name', 'Position', 'Value', 'Line') { $prompt.Add($mode) }
    foreach ($name in @($promptParameter.Name) + @($promptParameter.Aliases)) { $prompt.Add("Property:$name") }

    $line = 'New-HailuoVideo -Model '
    $models = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)

    [pscustomobject]@{
        Image    = $image.ToArray()
        Prompt   = $prompt.ToArray()
        TextOnly = @($false, $true)
        Model    = @('') + $models      # '' leaves -Model out: the default
        LastFrame = @($false, $true)
        Journal  = @($false, $true)
        WhatIf   = @($false, $true)
    }
}

function Get-HailuoCallShape {
    <# Every call shape: the product of the dimensions, less the piped object that would have to be two strings at once. #>
    [CmdletBinding()]
    param()
    $d = Get-ShapeDimension
    foreach ($image in $d.Image) {
        foreach ($prompt in $d.Prompt) {
            # One piped object cannot be both the image string and the prompt string; a task brings its own prompt property.
            if ($prompt -match '^(Value|Line)$' -and $image -match '^(Value:|Task$)') { continue }
            if ($image -eq 'Task' -and $prompt -like 'Property:*') { continue }
            foreach ($textOnly in $d.TextOnly) {
                foreach ($model in $d.Model) {
                    foreach ($lastFrame in $d.LastFrame) {
                        foreach ($journal in $d.Journal) {
                            foreach ($whatIf in $d.WhatIf) {
                                $name = "image $image, prompt $prompt" + $(if ($textOnly) { ', -TextOnly' }) +
                                    $(if ($model) { ", -Model $model" }) + $(if ($lastFrame) { ', -LastFrame' }) +
                                    $(if ($journal) { ', -Journal' }) + $(if ($whatIf) { ', -WhatIf' })
                                [pscustomobject]@{
                                    Name = $name; Image = $image; Prompt = $prompt; TextOnly = $textOnly; Model = $model
                                    LastFrame = $lastFrame; Journal = $journal; WhatIf = $whatIf
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

function Initialize-HailuoCallShapeRun {
    <#
        Prepares the current folder (an image, a last frame, a folder for journals) and makes the one
        task the Task shapes pipe back in. Returns the context the other functions take.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $FakeBaseUri,
        [Parameter(Mandatory)] [string] $ApiKey,
        [Parameter(Mandatory)] [string] $ImageFixture,
        [Parameter(Mandatory)] [string] $LastFrameFixture
    )
    Copy-Item -LiteralPath $ImageFixture -Destination ./shape.jpg
    Copy-Item -LiteralPath $LastFrameFixture -Destination ./last.png
    Set-Content -LiteralPath ./image-list.txt -Value './shape.jpg'     # for Get-Content | New-HailuoVideo
    Set-Content -LiteralPath ./prompts.txt -Value $script:PromptText
    $null = New-Item -ItemType Directory -Path ./journals -Force
    $task = New-HailuoVideo -Path ./shape.jpg -Prompt $script:TaskPromptText -ErrorAction Stop
    [pscustomobject]@{
        FakeBaseUri   = $FakeBaseUri.TrimEnd('/') + '/'
        ApiKey        = $ApiKey
        Image         = (Resolve-Path ./shape.jpg).ProviderPath
        ImageSha256   = (Get-FileHash ./shape.jpg -Algorithm SHA256).Hash
        LastFrame     = (Resolve-Path ./last.png).ProviderPath
        LastSha256    = (Get-FileHash ./last.png -Algorithm SHA256).Hash
        Task          = $task
        ModelTable    = @(Get-DocumentedModelTable)
        Counter       = [ref] 0
    }
}

function Get-DocumentedModelTable {
    <# The model table as Get-Help about_HighwayHailuo documents it: one row per model and mode. #>
    $text = (Get-Help about_HighwayHailuo | Out-String -Width 300) -split "`r?`n"
    foreach ($line in $text) {
        $cells = @($line.Trim().Trim('|').Split('|') | ForEach-Object { $_.Trim().Trim('`') })
        if ($cells.Count -eq 8 -and $cells[1] -in 'image', 'text' -and $cells[2] -like 'minimax-*') {
            [pscustomobject]@{
                Model = $cells[0]; Mode = $cells[1]; Endpoint = $cells[2]; FirstFrame = $cells[3]
                LastFrame = $cells[4]; FastPretreatment = $cells[5] -eq 'yes'; Formats = $cells[7] -split ',\s*'
            }
        }
    }
}

function Get-FakeLog([object] $Context, [int] $From = 0) {
    Invoke-RestMethod -Uri "$($Context.FakeBaseUri)_fake/log?from=$From"
}

function Invoke-HailuoCallShape {
    <# Runs one shape; returns the errors, output and requests it caused. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Shape, [Parameter(Mandatory)] [object] $Context)

    # As a user's session has it: an item's error does not stop the pipeline (Pester runs with Stop).
    $ErrorActionPreference = 'Continue'
    $positional = [System.Collections.Generic.List[object]]::new()
    $named = @{}
    $row = [ordered]@{}
    $pipe = $null
    $piping = $false
    $image = './shape.jpg'
    switch -Regex ($Shape.Image) {
        '^Position$' { $positional.Add($image) }
        '^Name:(.+)$' { $named[$Matches[1]] = $image }
        '^Value:String$' { $pipe = $image; $piping = $true }
        '^Value:Line$' { $pipe = Get-Content -LiteralPath ./image-list.txt; $piping = $true }
        '^Value:FileInfo$' { $pipe = Get-Item -LiteralPath $image; $piping = $true }
        '^Property:(.+)$' { $row[$Matches[1]] = $image }
        '^Task$' { $pipe = $Context.Task; $piping = $true }
    }
    switch -Regex ($Shape.Prompt) {
        '^Name$' { $named['Prompt'] = $script:PromptText }
        '^Position$' { $positional.Add($script:PromptText) }
        '^Value$' { $pipe = $script:PromptText; $piping = $true }
        '^Line$' { $pipe = Get-Content -LiteralPath ./prompts.txt; $piping = $true }
        '^Property:(.+)$' { $row[$Matches[1]] = $script:PromptText }
    }
    if ($row.Count -gt 0) {
        if ($piping) {
            # A piped string or file that also carries the property.
            $pipe = [psobject]::AsPSObject($pipe)
            foreach ($key in $row.Keys) { $pipe | Add-Member -NotePropertyName $key -NotePropertyValue $row[$key] -Force }
        }
        else {
            # A CSV row, as Import-Csv gives it.
            $pipe = @(($row.Keys -join ','), ($row.Values -join ',')) | ConvertFrom-Csv
            $piping = $true
        }
    }
    if ($Shape.TextOnly) { $named['TextOnly'] = $true }
    if ($Shape.Model) { $named['Model'] = $Shape.Model }
    if ($Shape.LastFrame) { $named['LastFrame'] = './last.png' }
    $journal = $null
    if ($Shape.Journal) {
        $Context.Counter.Value++
        $journal = "./journals/shape-$($Context.Counter.Value).jsonl"
        $named['Journal'] = $journal
    }
    if ($Shape.WhatIf) { $named['WhatIf'] = $true }
    if ($Shape.PSObject.Properties['Named']) { foreach ($key in $Shape.Named.Keys) { $named[$key] = Resolve-SampleValue $Shape.Named[$key] $Context } }
    if ($Shape.PSObject.Properties['PromptValue']) {
        # An option shape: the prompt as its case gives it (or none), by name or in the row.
        $prompt = Resolve-PromptCase $Shape.PromptCase
        if ($Shape.Way -eq 'Name' -and $null -ne $prompt) { $named['Prompt'] = $prompt }
        if ($Shape.Way -eq 'Property') {
            $columns = [ordered]@{ Path = $image }
            if ($null -ne $prompt) { $columns['Prompt'] = $prompt }
            foreach ($key in $Shape.Row.Keys) { $columns[$key] = $Shape.Row[$key] }
            $pipe = @(($columns.Keys -join ','), ($columns.Values -join ',')) | ConvertFrom-Csv
            $piping = $true
        }
    }

    $before = Get-FakeLog $Context -From ([int]::MaxValue)   # the counts only
    $records = [System.Collections.Generic.List[object]]::new()
    $terminating = $null
    try {
        $streams = if ($piping) {
            , $pipe | ForEach-Object { $_ } | New-HailuoVideo @positional @named 2>&1 6>&1 3>$null
        }
        else {
            New-HailuoVideo @positional @named 2>&1 6>&1 3>$null
        }
        foreach ($item in $streams) { $records.Add($item) }
    }
    catch {
        $terminating = $_
    }
    $after = Get-FakeLog $Context -From $before.submissionCount
    $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    [pscustomobject]@{
        Terminating = $terminating
        Errors      = $errors
        ErrorIds    = @(@($terminating) + $errors | Where-Object { $_ } | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
        Tasks       = @($records | Where-Object { $_ -is [HighwayHailuo.HailuoTask] })
        Information = @($records | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { "$($_.MessageData)" })
        Requests    = $after.requests - $before.requests
        Submissions = @($after.submissions)
        Journal     = $journal
    }
}

function Get-HailuoCallShapeExpectation {
    <#
        What a shape must do, from the rules users are promised (README, about_HighwayHailuo), not
        from the module's code: PowerShell's binder first, then the one-source rule for -TextOnly
        prompts, then what reaches the cmdlet, then the module's checks in their documented order.
        Returns ErrorId (and whether the error stops the call) or the documented request.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Shape, [Parameter(Mandatory)] [object] $Context)

    $T = [bool] $Shape.TextOnly
    $image = $Shape.Image
    $prompt = $Shape.Prompt
    $positional = @(@('image') * [int]($image -eq 'Position')) + @(@('prompt') * [int]($prompt -eq 'Position'))
    $piped = $image -match '^(Value:|Property:|Task$)' -or $prompt -match '^(Value|Line)$|^Property:'
    if ($image -eq 'Value:Line') { $image = 'Value:String' }   # a line is a piped string: its PSPath names the text file, no image
    if ($prompt -eq 'Line') { $prompt = 'Value' }
    $imageByName = $image -like 'Name:*'
    $rowPrompt = $prompt -like 'Property:*' -or $image -eq 'Task'       # the piped item brings a Prompt
    $imageBearing = $image -match '^(Value:FileInfo|Property:.+|Task)$' # a piped object that names an image
    $modelGiven = [bool] $Shape.Model
    $lastFrame = [bool] $Shape.LastFrame
    function Fail([string] $ErrorId, [bool] $Terminating) { [pscustomobject]@{ ErrorId = $ErrorId; Terminating = $Terminating; Request = $null } }

    # 1. PowerShell's binder refuses the command line itself.
    if ($T -and $imageByName) { return Fail 'AmbiguousParameterSet' $true }            # an image parameter and -TextOnly are in different sets
    if ($positional.Count -gt 1) { return Fail 'PositionalParameterNotFound' $true }   # each set has one positional slot
    # An image named on the command line leaves no slot: its own set has no other positional parameter.
    if (-not $T -and $positional.Count -eq 1 -and $imageByName) { return Fail 'PositionalParameterNotFound' $true }

    # 2. Under -TextOnly, prompts come one way: -Prompt, the first positional argument, or the pipeline.
    if ($T) {
        $ways = @(($prompt -eq 'Name'), ($positional.Count -eq 1), $piped) | Where-Object { $_ }
        if (@($ways).Count -gt 1) { return Fail 'PromptConflict' $true }
    }

    # 3. A command line that names no image at all (the images are checked first).
    if (-not $T -and -not $piped -and $image -eq 'Missing' -and $positional.Count -eq 0) { return Fail 'ImageMissing' $true }

    # 4. The model's own rules, when the command line settles them (no pipeline, or -Model given):
    #    checked before any input is read.
    $modelSettled = -not $piped -or $modelGiven
    $model = if ($modelGiven) { $Shape.Model } elseif ($image -eq 'Task' -and -not $T) { $Context.Task.Model } else { 'Hailuo-2.3' }
    $row = Get-ModelRow $Context $model $(if ($T) { 'text' } else { 'image' })
    if ($modelSettled) {
        if (-not $row) { return Fail 'TextOnlyNotSupported' $true }
        if ($lastFrame -and $T) { return Fail 'LastFrameNeedsFirstFrame' $true }
        if ($lastFrame -and $row.LastFrame -ne 'optional') { return Fail 'LastFrameNotSupported' $true }
    }
    elseif ($T -and $lastFrame) { return Fail 'LastFrameNeedsFirstFrame' $true }      # whatever model a row names

    # 5. What reaches the cmdlet, and the checks of the command line's own values (prompt, image).
    $promptText = $null
    if ($T) {
        if (-not $piped) {
            if ($positional.Count -eq 1) { $promptText = if ($image -eq 'Position') { './shape.jpg' } else { $script:PromptText } }
            elseif ($prompt -eq 'Name') { $promptText = $script:PromptText }
            else { return Fail 'PromptMissing' $true }
        }
        elseif ($imageBearing) { return Fail 'TextOnlyItemHasImage' $false }        # refused, never left out
        elseif ($image -eq 'Value:String') {
            # The piped string is the item's prompt: an image path, refused, and the next item goes on.
            return Fail 'PromptLooksLikePath' $false
        }
        else { $promptText = $script:PromptText }                                     # a piped string or a row's Prompt
        if ($promptText -eq './shape.jpg') { return Fail 'PromptLooksLikePath' $true }
    }
    else {
        if (-not $piped) {
            if ($prompt -ne 'Name') { return Fail 'PromptMissing' $true }              # a positional prompt took the image's slot
        }
        else {
            if ($positional.Count -eq 1) {
                # The positional argument took -Path on the command line: a piped item binds only
                # its other properties (a row's Prompt, a task's), anything else cannot bind at all.
                if (-not $rowPrompt) { return Fail 'InputObjectNotBound' $false }
                if ($prompt -eq 'Position') { return Fail 'ImageNotFound' $false }     # the prompt's words as a file name
            }
            if ($prompt -eq 'Value') {
                # A piped string is an image path without -TextOnly: refused as a file that is not there,
                # or, beside an image given by name, unbindable.
                if ($imageByName) { return Fail 'InputObjectNotBound' $false }
                return Fail 'ImageNotFound' $false
            }
            if ($image -eq 'Missing') { return Fail 'ImageMissing' $false }             # a row without an image column
            if ($image -eq 'Task' -and -not $modelGiven -and $lastFrame -and $row.LastFrame -ne 'optional') {
                return Fail 'LastFrameNotSupported' $false                              # the task's own model takes no last frame
            }
            if (-not $modelSettled -and $lastFrame -and $row.LastFrame -ne 'optional') {
                return Fail 'LastFrameNotSupported' $true                               # no row named a model: the command line broke it
            }
            if ($prompt -eq 'Missing' -and $image -ne 'Task') { return Fail 'PromptMissing' $true }
        }
        $promptText = if ($prompt -eq 'Missing') { $Context.Task.Prompt } else { $script:PromptText }
    }

    # 6. The documented request: the table's endpoint, and only the fields it takes.
    $fields = @('prompt')
    if ($row.FirstFrame -eq 'required') { $fields += 'image' }
    if ($lastFrame) { $fields += 'end_image' }
    $fields += 'duration', 'resolution', 'enable_prompt_expansion'
    if ($row.FastPretreatment) { $fields += 'fast_pretreatment' }
    [pscustomobject]@{
        ErrorId = $null; Terminating = $false
        Request = [pscustomobject]@{
            Model = $row.Model; Endpoint = $row.Endpoint; Fields = $fields -join ','; Prompt = $promptText
            ImageSha256 = $(if ($row.FirstFrame -eq 'required') { $Context.ImageSha256 }); EndImageSha256 = $(if ($lastFrame) { $Context.LastSha256 })
            Duration = 6; Resolution = '768P'; EnablePromptExpansion = $true; FastPretreatment = $false
        }
    }
}

function Get-ModelRow([object] $Context, [string] $Model, [string] $Mode) {
    $Context.ModelTable | Where-Object { $_.Model -eq $Model -and $_.Mode -eq $Mode } | Select-Object -First 1
}

# Every other parameter of New-HailuoVideo, with the values the sweep gives it and what each must
# do to the request: set a field, change the prompt, nothing at all, or one ErrorId. A parameter
# the cmdlet gains and this table lacks becomes a shape that fails until it is given samples here.
$script:OptionSamples = @{
    Duration          = @(@{ Value = 10; Field = @{ Duration = 10 } }, @{ Value = '6'; Field = @{ Duration = 6 } }, @{ Value = 7; Error = 'DurationNotSupported' }, @{ Value = 'six'; Error = 'DurationNotSupported' })
    Resolution        = @(@{ Value = '1080p'; Field = @{ Resolution = '1080P' } }, @{ Value = '768P'; Field = @{ Resolution = '768P' } }, @{ Value = '720P'; Error = 'ResolutionNotSupported' })
    NoPromptExpansion = @(@{ Value = $true; Field = @{ EnablePromptExpansion = $false } })
    FastPretreatment  = @(@{ Value = $true; Field = @{ FastPretreatment = $true }; ErrorWithoutField = 'FastPretreatmentNotSupported' })
    CameraMovement    = @(@{ Value = @('PushIn'); PromptSuffix = ' [推进]' }, @{ Value = @('PushIn', 'PanLeft'); PromptSuffix = ' [推进,左摇]' }, @{ Value = @('PushIn', 'PanLeft', 'TiltUp', 'Shake'); Error = 'TooManyCameraMovements' })
    ThrottleLimit     = @(@{ Value = 1 }, @{ Value = 64 }, @{ Value = 0; Error = 'ParameterArgumentValidationError' })
    TimeoutSec        = @(@{ Value = 30 }, @{ Value = 0; Error = 'ParameterArgumentValidationError' })
    Force             = @(@{ Value = $true })
    # The cap refuses an item (ItemError: the item's own error, the call goes on), and only once its
    # checks pass: a missing prompt is still the prompt's error.
    MaxVideos         = @(@{ Value = 1 }, @{ Value = 0; ItemError = 'SpendingCapReached' }, @{ Value = -1; Error = 'ParameterArgumentValidationError' })
    MaxVideoSeconds   = @(@{ Value = 10 }, @{ Value = 5; ItemError = 'SpendingCapReached' }, @{ Value = -1; Error = 'ParameterArgumentValidationError' })
    ApiKey            = @(@{ Value = '<the key>' }, @{ Value = ''; Error = 'ApiKeyMissing' }, @{ Value = ' '; Error = 'ApiKeyMissing' })
    BaseUri           = @(@{ Value = '<the base URI>' }, @{ Value = 'ftp://api.example.com/'; Error = 'InvalidBaseUri' })
}
# What the call-shape sweep already varies, and ShouldProcess's own switches.
$script:SweptElsewhere = 'Path', 'LiteralPath', 'Prompt', 'TextOnly', 'Model', 'LastFrame', 'Journal', 'WhatIf', 'Confirm', 'InputObject'

# The prompts an option shape is tried with: a good one, and each way of not giving one.
$script:PromptCases = [ordered]@{ Given = 'x'; Missing = $null; Empty = ''; ImagePath = 'b.jpg' }
$script:PromptCaseError = @{ Missing = 'PromptMissing'; Empty = 'PromptEmpty'; ImagePath = 'PromptLooksLikePath' }

function Resolve-PromptCase([string] $Case) {
    if ($Case -eq 'Given') { return $script:PromptText }
    $script:PromptCases[$Case]
}

function Resolve-SampleValue([object] $Value, [object] $Context) {
    switch ($Value) {
        '<the key>' { return $Context.ApiKey }
        '<the base URI>' { return $Context.FakeBaseUri }
    }
    $Value
}

function Get-HailuoOptionShape {
    <#
        Every other parameter (from the metadata), each sample value, by name and (when it takes
        one) by property name from a row, under every row of the model table.
    #>
    [CmdletBinding()]
    param()
    $command = Get-Command New-HailuoVideo
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $options = $command.Parameters.Values | Where-Object { $_.Name -notin $common -and $_.Name -notin $script:SweptElsewhere } | Sort-Object Name
    $rows = @(Get-DocumentedModelTable)
    foreach ($parameter in $options) {
        $samples = $script:OptionSamples[$parameter.Name]
        if (-not $samples) {
            [pscustomobject]@{ Name = "-$($parameter.Name): no sample values"; Parameter = $parameter.Name; Missing = $true }
            continue
        }
        $ways = @('Name') + @(if ($parameter.ParameterSets.Values.ValueFromPipelineByPropertyName -contains $true) { 'Property' })
        foreach ($sample in $samples) {
            foreach ($way in $ways) {
                foreach ($row in $rows) {
                    $text = $row.Mode -eq 'text'
                    if ($way -eq 'Property' -and $text) { continue }   # a row with a Path is an image row
                    foreach ($promptCase in $script:PromptCases.Keys) {
                        $shape = [pscustomobject]@{
                            Name      = "-$($parameter.Name) $(@($sample['Value']) -join ',') by $($way.ToLowerInvariant()), $($row.Model) $($row.Mode), prompt $($promptCase.ToLowerInvariant())"
                            Parameter = $parameter.Name; Sample = $sample; Way = $way; Missing = $false
                            Image     = $(if ($text) { 'Missing' } elseif ($way -eq 'Property') { 'Row' } else { 'Name:Path' })
                            Prompt    = 'Option'; PromptCase = $promptCase; PromptValue = $true
                            TextOnly  = $text; Model = $row.Model; LastFrame = $false; Journal = $false; WhatIf = $false
                            Named     = @{}; Row = [ordered]@{}
                        }
                        if ($way -eq 'Name') { $shape.Named[$parameter.Name] = $sample['Value'] } else { $shape.Row[$parameter.Name] = @($sample['Value']) -join ' ' }
                        $shape
                    }
                }
            }
        }
    }
}

function Test-HailuoOptionShape {
    <# Runs an option shape and compares it with its base shape's documented request, changed as its sample says. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Shape, [Parameter(Mandatory)] [object] $Context)
    if ($Shape.Missing) {
        return [pscustomobject]@{ Name = $Shape.Name; Problems = @("New-HailuoVideo -$($Shape.Parameter) has no sample values in the sweep (tests/Sweeps/CallShapes.psm1, OptionSamples): add them") }
    }
    $base = [pscustomobject]@{ Image = 'Name:Path'; Prompt = 'Name'; TextOnly = $Shape.TextOnly; Model = $Shape.Model; LastFrame = $false; Journal = $false; WhatIf = $false }
    if ($Shape.TextOnly) { $base.Image = 'Missing' }
    $expected = Get-HailuoCallShapeExpectation -Shape $base -Context $Context
    $sample = $Shape.Sample
    $byName = $Shape.Way -eq 'Name'
    $fail = { param($id) [pscustomobject]@{ ErrorId = $id; Terminating = $byName; Request = $null } }
    if ($sample['Error']) { $expected = & $fail $sample['Error'] }
    elseif ($sample['ErrorWithoutField'] -and $expected.Request.Fields -notmatch "(^|,)$(($Shape.Parameter -creplace '([a-z])([A-Z])', '$1_$2').ToLowerInvariant())(,|$)") {
        $expected = & $fail $sample['ErrorWithoutField']
        $expected.Terminating = $true                                  # a switch is the command line's
    }
    else {
        if ($sample['Field']) { foreach ($key in $sample['Field'].Keys) { $expected.Request.$key = $sample['Field'][$key] } }
        if ($sample['PromptSuffix']) { $expected.Request.Prompt += $sample['PromptSuffix'] }
    }
    if ($Shape.Parameter -eq 'Duration' -and $expected.Request -and $expected.Request.Duration -eq 10 -and $expected.Request.Resolution -eq '1080P') {
        $expected = & $fail 'DurationResolutionMismatch'
    }
    # Every option's own refusal comes before the prompt's (binding, connection, the command line's
    # settled rules, then per item: the model, duration and resolution before the prompt). Without
    # one, a prompt that is missing, blank or an image's name is refused whatever the option did.
    if ($expected.Request -and $Shape.PromptCase -ne 'Given') {
        $expected = & $fail $script:PromptCaseError[$Shape.PromptCase]
        # A prompt cell of the row's own is the row's error; none at all is the command line's.
        $expected.Terminating = -not ($Shape.Way -eq 'Property' -and $Shape.PromptCase -ne 'Missing')
    }
    elseif ($expected.Request -and $sample['ItemError']) {
        $expected = & $fail $sample['ItemError']
        $expected.Terminating = $false
    }
    Compare-HailuoShapeOutcome -Shape $Shape -Expected $expected -Actual (Invoke-HailuoCallShape -Shape $Shape -Context $Context)
}

function Test-HailuoCallShape {
    <# Runs a shape and compares it with its expectation; returns the differences (none when it holds). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Shape, [Parameter(Mandatory)] [object] $Context)

    $expected = Get-HailuoCallShapeExpectation -Shape $Shape -Context $Context
    Compare-HailuoShapeOutcome -Shape $Shape -Expected $expected -Actual (Invoke-HailuoCallShape -Shape $Shape -Context $Context)
}

function Compare-HailuoShapeOutcome([object] $Shape, [object] $Expected, [object] $Actual) {
    $expected = $Expected
    $actual = $Actual
    $problems = [System.Collections.Generic.List[string]]::new()
    if ($expected.ErrorId) {
        $ids = @($actual.ErrorIds)
        if ($ids.Count -ne 1 -or $ids[0] -ne $expected.ErrorId) { $problems.Add("expected the one error $($expected.ErrorId), got: $($ids -join ', ')$(if ($actual.Submissions.Count) { ' and a submission' })") }
        elseif ([bool] $actual.Terminating -ne $expected.Terminating) { $problems.Add("$($expected.ErrorId) should $(if (-not $expected.Terminating) { 'not ' })stop the call") }
        if ($actual.Requests -ne 0) { $problems.Add("$($actual.Requests) request(s) reached the server; a refused call must send none") }
        if ($actual.Tasks.Count -ne 0) { $problems.Add("$($actual.Tasks.Count) task(s) were written out") }
    }
    else {
        $want = $expected.Request
        if ($actual.ErrorIds.Count) { $problems.Add("unexpected error(s): $($actual.ErrorIds -join ', '): $(@($actual.Terminating) + $actual.Errors | Where-Object { $_ } | Select-Object -First 1)") }
        if ($Shape.WhatIf) {
            # The estimate comes from the price table, so a figure set there changes the line by itself.
            $price = (Get-HailuoPrice $want.Model | Where-Object { $_.Duration -eq 6 -and $_.Resolution -eq '768P' }).EstimatedPrice
            $cost = if ($null -ne $price) { 'estimated cost about {0} USD (from Get-HailuoPrice: an estimate, not a quote)' -f $price.ToString('0.00', [cultureinfo]::InvariantCulture) } else { 'estimated cost unknown (Get-HailuoPrice has no figure for it)' }
            $summary = "What if: 1 video, 6 s of video in total: $($want.Model) 6 s (1 at 768P); $cost. Nothing was sent."
            if ($actual.Information -notcontains $summary) { $problems.Add("the -WhatIf summary is '$($actual.Information -join ' | ')', expected '$summary'") }
            if ($actual.Requests -ne 0) { $problems.Add("-WhatIf sent $($actual.Requests) request(s)") }
        }
        else {
            if ($actual.Requests -ne 1 -or $actual.Submissions.Count -ne 1) { $problems.Add("expected exactly one request, a submission; got $($actual.Requests) request(s), $($actual.Submissions.Count) submission(s)") }
            elseif ($sent = $actual.Submissions[0]) {
                $got = [ordered]@{
                    Endpoint = $sent.endpoint; Fields = $sent.fields -join ','; Prompt = $sent.prompt
                    ImageSha256 = $(if ($sent.imageKind -eq 'data') { $sent.imageSha256 } elseif ($sent.imageKind) { "$($sent.imageKind)?" })
                    EndImageSha256 = $(if ($sent.endImageKind -eq 'data') { $sent.endImageSha256 } elseif ($sent.endImageKind) { "$($sent.endImageKind)?" })
                    Duration = $sent.duration; Resolution = $sent.resolution; EnablePromptExpansion = $sent.enablePromptExpansion; FastPretreatment = $sent.fastPretreatment
                }
                foreach ($key in $got.Keys) {
                    if ("$($got[$key])" -cne "$($want.$key)") { $problems.Add("$key is '$($got[$key])', expected '$($want.$key)'") }
                }
                $task = @($actual.Tasks)
                if ($task.Count -ne 1 -or $task[0].TaskId -ne $sent.taskId -or $task[0].Model -ne $want.Model -or $task[0].Prompt -cne $want.Prompt) {
                    $problems.Add("the task written out does not match the submission: $($task | ForEach-Object { "$($_.TaskId) $($_.Model) '$($_.Prompt)'" })")
                }
                if ($actual.Journal) {
                    $recorded = @(Get-Content -LiteralPath $actual.Journal | ConvertFrom-Json | Where-Object { $_.PSObject.Properties['state'] -and $_.state -eq 'submitted' })
                    if ($recorded.Count -ne 1 -or $recorded[0].taskId -ne $sent.taskId) { $problems.Add("the journal does not hold the one submitted task $($sent.taskId)") }
                }
            }
        }
    }
    [pscustomobject]@{ Name = $Shape.Name; Problems = $problems.ToArray(); Expected = $expected; Actual = $actual }
}

Export-ModuleMember -Function Get-HailuoCallShape, Get-HailuoOptionShape, Initialize-HailuoCallShapeRun, Invoke-HailuoCallShape, Get-HailuoCallShapeExpectation, Test-HailuoCallShape, Test-HailuoOptionShape, Get-DocumentedModelTable
