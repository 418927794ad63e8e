<#
  The Pester harness for the in-VM scripts. Dot-source it in a test file's BeforeAll, then
  Import-LabStubs:

    BeforeAll {
        . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
        Import-LabStubs
    }

  - Invoke-LabScript runs a script exactly as its run command carries it (includes expanded,
    inside the parameter transport wrapper, every value sent encoded) and returns its exit code
    and output; the catalogued Windows cmdlets are strict stubs that throw unless mocked.
  - Use-FakeClock makes Get-Date and Start-Sleep one fake clock: an hour of polling runs at once.
  The harness itself uses only .NET calls, so a test may mock Test-Path, Join-Path and the like.
#>
Set-StrictMode -Version Latest

if (-not $env:CMG_LAB_RUN_COMMANDS -or -not $env:CMG_LAB_STUBS) {
    throw 'run the Pester tests through npm run test:ps (it writes the run-command texts and the stubs first)'
}

<# A value that the run-command command line would mangle: spaces, quotes, $, %, cmd metacharacters, non-ASCII. #>
$script:LabAwkwardText = "Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本"

<#
.SYNOPSIS
  Loads the strict cmdlet stubs, and guards that make a test fail fast instead of acting on this
  machine or waiting for real: Start-Sleep and every native program the scripts call
  (shutdown.exe, dsregcmd, msiexec, ...) throw "not mocked" until a test mocks them (the
  Start-Sleep guard has the real cmdlet's parameters, so Mock works as on the cmdlet).
  Restart-Computer and Stop-Computer are catalogued, so they are strict stubs already.
#>
function Import-LabStubs {
    Import-Module -Name $env:CMG_LAB_STUBS -Force -Global -DisableNameChecking
    # The environment of a Windows Server VM that the scripts read.
    $env:COMPUTERNAME = 'CM01'
    $env:SystemDrive = 'C:'
    $env:SystemRoot = 'C:\Windows'
    $env:windir = 'C:\Windows'
    $env:ProgramFiles = 'C:\Program Files'
    ${env:ProgramFiles(x86)} = 'C:\Program Files (x86)'
    $env:ProgramData = 'C:\ProgramData'
    $env:TEMP = 'C:\Windows\Temp'
    # Windows drives, so Join-Path and Split-Path accept C:\... and HKLM:\... paths. Each is an
    # empty folder of this run: an unmocked read finds nothing there and touches nothing real.
    foreach ($drive in 'C', 'HKLM', 'HKCU', 'Cert') {
        if (-not (Get-PSDrive -Name $drive -ErrorAction SilentlyContinue)) {
            $root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "cmg-lab-drive-$drive-$PID")
            [void] [System.IO.Directory]::CreateDirectory($root)
            New-PSDrive -Name $drive -PSProvider FileSystem -Root $root -Scope Global | Out-Null
        }
    }
    $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command -Name 'Start-Sleep' -CommandType Cmdlet))
    $guard = [System.Management.Automation.ProxyCommand]::GetCmdletBindingAttribute($meta) + "`nparam(" + [System.Management.Automation.ProxyCommand]::GetParamBlock($meta) + ")`nthrow 'not mocked: Start-Sleep (dot-source the fake clock: . Use-FakeClock)'"
    Set-Item -Path 'function:global:Start-Sleep' -Value ([scriptblock]::Create($guard))
    foreach ($native in Get-LabNativeCommand) {
        Set-Item -Path "function:global:$native" -Value ([scriptblock]::Create("throw ('not mocked: the native program $native was called with: ' + (`$args -join ' '))"))
    }
}

<# The native programs the run-command scripts call by name (not cmdlets, aliases or their own functions). #>
function Get-LabNativeCommand {
    if (Test-Path -LiteralPath variable:global:CmgLabNativeCommands) { return $global:CmgLabNativeCommands }
    $names = New-Object System.Collections.Generic.SortedSet[string] ([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($file in [System.IO.Directory]::GetFiles($env:CMG_LAB_RUN_COMMANDS, '*.ps1')) {
        $tokens = $null; $errors = $null
        $wrapper = [System.Management.Automation.Language.Parser]::ParseInput([System.IO.File]::ReadAllText($file), [ref] $tokens, [ref] $errors)
        $body = $wrapper.Find({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $n.StringConstantType -eq 'SingleQuotedHereString' }, $true)
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($body.Value, [ref] $tokens, [ref] $errors)
        $defined = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | ForEach-Object { $_.Name })
        foreach ($c in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $name = $c.GetCommandName()
            if (-not $name -or $defined -contains $name -or $name -match '^[A-Za-z]+-[A-Za-z0-9]+$') { continue }
            $known = Get-Command -Name $name -CommandType Alias, Cmdlet, Function -ErrorAction SilentlyContinue
            if ($null -eq $known) { [void] $names.Add($name) }
        }
    }
    $global:CmgLabNativeCommands = @($names)
    return $global:CmgLabNativeCommands
}

function ConvertTo-TransportValue {
    # As stacks/model/run-command-transport.ts sends a value it does not trust to the command line.
    param([AllowEmptyString()] [string] $Value)
    return 'b64:' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($Value))
}

function Get-LabRunCommandPath {
    param([Parameter(Mandatory = $true)] [string] $Name)
    $path = [System.IO.Path]::Combine($env:CMG_LAB_RUN_COMMANDS, $Name)
    if (-not [System.IO.File]::Exists($path)) { throw "no run-command text for $Name in $($env:CMG_LAB_RUN_COMMANDS)" }
    return $path
}

<#
.SYNOPSIS
  Runs scripts/vm/<Name> as its run command would: the generated wrapper with every parameter
  value encoded. Returns ExitCode (the process exit code powershell.exe would give: the script's
  exit code, 1 for an error that escaped it), Output (the success stream as strings), Errors
  (error records as strings) and Text (everything, one line each).
#>
function Invoke-LabScript {
    param(
        [Parameter(Mandatory = $true)] [string] $Name,
        [hashtable] $Parameters = @{}
    )
    $sent = @{}
    foreach ($key in $Parameters.Keys) { $sent[$key] = ConvertTo-TransportValue -Value ([string] $Parameters[$key]) }
    $path = Get-LabRunCommandPath -Name $Name
    $global:LASTEXITCODE = 0
    $records = @()
    $escaped = $null
    try {
        # As powershell.exe runs it: no strict mode (the harness's own Set-StrictMode must not
        # reach the script, or a missing property would throw here and read as $null on Windows).
        $records = @(& { Set-StrictMode -Off; & $path @sent *>&1 })
    } catch {
        $escaped = $_
    }
    $code = if ($null -ne $escaped) { 1 } else { [int] $global:LASTEXITCODE }
    $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.ToString() })
    if ($null -ne $escaped) { $errors += $escaped.ToString() }
    $output = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$_" })
    [pscustomobject]@{
        ExitCode = $code
        Output = $output
        Errors = $errors
        Text = (@($records | ForEach-Object { "$_" }) + $(if ($null -ne $escaped) { @($escaped.ToString()) } else { @() })) -join "`n"
    }
}

<#
.SYNOPSIS
  One fake clock for Get-Date and Start-Sleep: Get-Date returns the fake now (or the -Date
  given), Start-Sleep advances it. Read it with Get-FakeNow. Dot-source it so the mocks belong
  to the calling block:  . Use-FakeClock
#>
function Use-FakeClock {
    param([datetime] $Start = [datetime]::new(2026, 1, 1, 8, 0, 0))
    if ($MyInvocation.InvocationName -ne '.') { throw 'dot-source the fake clock: . Use-FakeClock (Pester mocks belong to the scope that declares them)' }
    $global:CmgLabFakeNow = $Start
    Mock Get-Date {
        $d = if ($PesterBoundParameters.ContainsKey('Date')) { [datetime] $Date } else { $global:CmgLabFakeNow }
        if ($PesterBoundParameters.ContainsKey('Format')) { return $d.ToString($Format) }
        if ($PesterBoundParameters.ContainsKey('UFormat')) { throw 'the fake clock does not do -UFormat' }
        return $d
    }
    Mock Start-Sleep {
        $ms = 0
        if ($PesterBoundParameters.ContainsKey('Seconds')) { $ms += [double] $Seconds * 1000 }
        if ($PesterBoundParameters.ContainsKey('Milliseconds')) { $ms += [double] $Milliseconds }
        $global:CmgLabFakeNow = $global:CmgLabFakeNow.AddMilliseconds($ms)
    }
}

function Get-FakeNow { return $global:CmgLabFakeNow }
