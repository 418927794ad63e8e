<#
  Runs the real-PowerShell checks of the in-VM scripts (started by scripts/cli/test-powershell.ts,
  `npm run test:ps`, which writes the run-command texts and the stub module first):
  1. the gate: every run-command text parses with zero errors under the real parser, and so does
     the script inside it (the transport wrapper runs it from a here-string), and neither holds
     anything Windows PowerShell 5.1 cannot run (harness/Compat51.ps1). Problems are reported at
     the line of the file in scripts/vm/ they come from (the `.map` file beside each text);
  2. Pester over the behaviour tests (scripts/vm/tests/*.Tests.ps1).
  Exit 1 when the gate found a problem or a test failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $SourceDir,
    [Parameter(Mandatory = $true)] [string] $RunCommandDir,
    [Parameter(Mandatory = $true)] [string] $StubModule,
    [Parameter(Mandatory = $true)] [string] $PesterModule,
    [string] $TestPath = '',
    [switch] $GateOnly
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
. (Join-Path $PSScriptRoot 'harness/Compat51.ps1')

function ConvertFrom-RunCommandText {
    # The wrapper's parse, and the script it carries (the single-quoted here-string's value).
    param([string] $Path)
    $tokens = $null; $errors = $null
    $text = [System.IO.File]::ReadAllText($Path)
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, $Path, [ref] $tokens, [ref] $errors)
    $bodies = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $n.StringConstantType -eq 'SingleQuotedHereString' }, $true))
    [pscustomobject]@{ Ast = $ast; Tokens = $tokens; Errors = $errors; Body = $(if ($bodies.Count -eq 1) { $bodies[0].Value } else { $null }); BodyCount = $bodies.Count }
}

$problems = New-Object System.Collections.Generic.List[string]
$texts = @(Get-ChildItem -LiteralPath $RunCommandDir -Filter '*.ps1' | Sort-Object Name)
foreach ($file in $texts) {
    $rel = "run-commands/$($file.Name)"
    $wrapper = ConvertFrom-RunCommandText -Path $file.FullName
    foreach ($e in $wrapper.Errors) { $problems.Add("${rel}:$($e.Extent.StartLineNumber):$($e.Extent.StartColumnNumber): parse: $($e.Message)") }
    foreach ($p in Get-Ps51Problem -Ast $wrapper.Ast -Tokens $wrapper.Tokens) { $problems.Add("${rel}:$($p.Line):$($p.Column): $($p.Rule): $($p.Message)") }
    if ($null -eq $wrapper.Body) { $problems.Add("${rel}: expected exactly one here-string holding the script, found $($wrapper.BodyCount)"); continue }
    # Where each line of the carried script comes from: `file:line` per line (written by the runner).
    $map = @([System.IO.File]::ReadAllLines("$($file.FullName).map"))
    $at = { param($line) if ($line -ge 1 -and $line -le $map.Count) { $map[$line - 1] } else { "$($file.Name):$line" } }
    $tokens = $null; $errors = $null
    $body = [System.Management.Automation.Language.Parser]::ParseInput($wrapper.Body, $file.Name, [ref] $tokens, [ref] $errors)
    foreach ($e in $errors) { $problems.Add("$(& $at $e.Extent.StartLineNumber):$($e.Extent.StartColumnNumber): parse: $($e.Message)") }
    foreach ($p in Get-Ps51Problem -Ast $body -Tokens $tokens) { $problems.Add("$(& $at $p.Line):$($p.Column): $($p.Rule): $($p.Message)") }
}
# A library line included by several scripts is reported once.
$unique = @($problems | Select-Object -Unique)
foreach ($p in $unique) { Write-Output $p }
if ($texts.Count -eq 0) { Write-Output 'gate: no run-command texts found'; exit 1 }
Write-Output "gate: $($texts.Count) run-command texts parsed by PowerShell $($PSVersionTable.PSVersion) and checked for Windows PowerShell 5.1: $($unique.Count) problem(s)"
if ($GateOnly) { exit ([int]($unique.Count -gt 0)) }

$env:CMG_LAB_RUN_COMMANDS = $RunCommandDir
$env:CMG_LAB_STUBS = $StubModule
$env:CMG_LAB_SOURCE = $SourceDir
Import-Module -Name $PesterModule -Force
$config = New-PesterConfiguration
$config.Run.Path = $(if ($TestPath) { $TestPath -split ',' } else { $PSScriptRoot })
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Should.ErrorAction = 'Stop'
$result = Invoke-Pester -Configuration $config
$files = @($result.Containers | Where-Object { $_.Result -ne 'NotRun' }).Count
Write-Output "pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped in $files file(s) ($([int]$result.Duration.TotalSeconds) s)"
if ($result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) { Write-Output "pester: $($result.FailedBlocksCount) block(s) and $($result.FailedContainersCount) file(s) failed to run" }
exit ([int]($unique.Count -gt 0 -or $result.Result -ne 'Passed'))
