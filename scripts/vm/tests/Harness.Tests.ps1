# The harness's own tests: the 5.1 gate rejects what 5.1 cannot run, the stubs are strict, the
# transport delivers awkward values intact, and the fake clock runs an hour at once.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    . (Join-Path $PSScriptRoot 'harness/Compat51.ps1')
    Import-LabStubs
    function Get-Problems([string] $Text) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref] $tokens, [ref] $errors)
        @(Get-Ps51Problem -Ast $ast -Tokens $tokens)
    }
}

Describe 'Windows PowerShell 5.1 gate' {
    It 'rejects <Construct> with a message that says what to write' -ForEach @(
        @{ Construct = 'the ternary operator'; Text = '$a = $b ? 1 : 2'; Rule = 'ps7-syntax'; Hint = 'if \(a\)' }
        @{ Construct = '??'; Text = '$a = $b ?? 2'; Rule = 'ps7-syntax'; Hint = 'null-coalescing' }
        @{ Construct = '??='; Text = '$a ??= 2'; Rule = 'ps7-syntax'; Hint = "'\?\?='" }
        @{ Construct = '&&'; Text = 'Get-Item a && Get-Item b'; Rule = 'ps7-syntax'; Hint = 'LASTEXITCODE' }
        @{ Construct = '||'; Text = 'Get-Item a || Get-Item b'; Rule = 'ps7-syntax'; Hint = 'pipeline chains' }
        @{ Construct = 'ForEach-Object -Parallel'; Text = '1..2 | ForEach-Object -Parallel { $_ }'; Rule = 'ps7-parameter'; Hint = 'foreach loop' }
        @{ Construct = 'ConvertFrom-Json -AsHashtable'; Text = '$x = $j | ConvertFrom-Json -AsHashtable'; Rule = 'ps7-parameter'; Hint = 'PSObject.Properties' }
        @{ Construct = 'an abbreviated -AsByteStream'; Text = 'Get-Content -Path a -AsByte'; Rule = 'ps7-parameter'; Hint = 'Encoding Byte' }
        @{ Construct = 'Invoke-WebRequest -SkipCertificateCheck'; Text = 'Invoke-WebRequest -Uri https://x -SkipCertificateCheck'; Rule = 'ps7-parameter'; Hint = 'trusted certificate' }
        @{ Construct = 'Test-Json'; Text = 'Test-Json -Json $x'; Rule = 'ps7-cmdlet'; Hint = 'ConvertFrom-Json' }
        @{ Construct = '$IsWindows'; Text = 'if ($IsWindows) { 1 }'; Rule = 'ps7-variable'; Hint = 'always runs on Windows' }
        @{ Construct = 'a binary literal'; Text = '$n = 0b101'; Rule = 'ps7-syntax'; Hint = 'plain decimal' }
        @{ Construct = 'the `u{} escape'; Text = '$s = "`u{263A}"'; Rule = 'ps7-syntax'; Hint = '\[char\]0x' }
        @{ Construct = 'Set-Content without -Encoding'; Text = 'Set-Content -Path a.ini -Value $x'; Rule = 'encoding'; Hint = 'ANSI code page' }
        @{ Construct = 'Out-File without -Encoding'; Text = '$x | Out-File -FilePath a.txt'; Rule = 'encoding'; Hint = 'UTF-16LE' }
        @{ Construct = 'redirection to a file'; Text = 'Get-Item a > out.txt'; Rule = 'encoding'; Hint = 'Out-File' }
        @{ Construct = '-Encoding utf8NoBOM'; Text = 'Set-Content -Path a -Value 1 -Encoding utf8NoBOM'; Rule = 'ps7-parameter'; Hint = 'UTF8' }
    ) {
        $problems = Get-Problems $Text
        $problems.Count | Should -Be 1
        $problems[0].Rule | Should -Be $Rule
        $problems[0].Message | Should -Match $Hint
        $problems[0].Line | Should -Be 1
    }

    It 'accepts what 5.1 runs: if/else, -Encoding stated, redirection to $null, hashtables, classes of 5.0' {
        $text = @'
$a = if ($b) { 1 } else { 2 }
Set-Content -Path a.ini -Value $x -Encoding Ascii
Out-File -FilePath b.txt -InputObject $x -Encoding UTF8
Get-Item a > $null
$h = [ordered]@{ a = 1 }
$j = $json | ConvertFrom-Json
$n = 0x1F + 10kb
$s = "plain $($h.a) text"
'@
        Get-Problems $text | Should -BeNullOrEmpty
    }
}

Describe 'strict stubs' {
    It 'exist for catalogued Windows cmdlets and throw unless mocked, naming the cmdlet' {
        { Get-ADSyncScheduler } | Should -Throw '*not mocked: Get-ADSyncScheduler*'
    }
    It 'refuse a parameter the cmdlet does not document, as on Windows' {
        Mock Set-ADSyncScheduler { }
        { Set-ADSyncScheduler -SyncCycleEnabled $true -NoSuchParameter 1 } | Should -Throw '*NoSuchParameter*'
    }
    It 'take documented switches without a value and documented aliases' {
        Mock Install-WindowsFeature { 'installed' }
        Install-WindowsFeature -Name 'Web-Server' -IncludeManagementTools | Should -Be 'installed'
        Mock Get-Service { $Name }
        Get-Service -ServiceName 'ADSync' | Should -Be 'ADSync'
    }
    It 'guard Start-Sleep and the native programs the scripts call, so a forgotten mock fails fast' {
        { Start-Sleep -Seconds 3600 } | Should -Throw '*not mocked: Start-Sleep*'
        { Restart-Computer -Force } | Should -Throw '*not mocked: Restart-Computer*'
        Get-LabNativeCommand | Should -Contain 'shutdown.exe'
        Get-LabNativeCommand | Should -Contain 'dsregcmd'
        { shutdown.exe /r /t 10 } | Should -Throw '*not mocked: the native program shutdown.exe*'
    }
    It 'make the fake clock refuse to run undotted (its mocks would vanish)' {
        { Use-FakeClock } | Should -Throw '*dot-source*'
    }
    It 'do not bind by position (scripts name every argument)' {
        Mock Get-ADUser { }
        { Get-ADUser 'labuser01' } | Should -Throw
    }
}

Describe 'run-command transport and fake clock' {
    BeforeAll {
        # A probe script in the transport wrapper, as run-command texts are made.
        # Written beside the run-command texts (after the gate ran) so Invoke-LabScript runs it.
        $script:probe = Join-Path $env:CMG_LAB_RUN_COMMANDS 'zz-harness-probe.ps1'
        $body = @'
[CmdletBinding()]
param([Parameter(Mandatory = $true)] [string] $Value, [AllowEmptyString()] [string] $Empty)
$ErrorActionPreference = 'Stop'
Write-Output ('value=' + $Value)
Write-Output ('empty=[' + $Empty + ']')
# Strict mode off, as powershell.exe runs a script: a missing property reads as $null.
Write-Output ('missing=[' + ([pscustomobject]@{ State = 1 }).StatusDetails + ']')
$until = (Get-Date).AddHours(1)
$polls = 0
while ((Get-Date) -lt $until) { $polls++; Start-Sleep -Seconds 30 }
Write-Output ('polls=' + $polls)
exit 7
'@
        $wrapper = [System.IO.File]::ReadAllText((Get-LabRunCommandPath -Name 'wait-ad-forest.ps1'))
        $start = $wrapper.IndexOf("Create(@'`n") + "Create(@'`n".Length
        $end = $wrapper.IndexOf("`n'@)")
        $head = $wrapper.Substring(0, $start) -replace '(?s)param\(.*?\n\)', "param(`n    [string] `$Empty,`n    [string] `$Value`n)"
        [System.IO.File]::WriteAllText($script:probe, $head + $body + $wrapper.Substring($end))
    }
    AfterAll { Remove-Item -LiteralPath $script:probe -Force }
    It 'delivers spaces, quotes, $, %, cmd characters, non-ASCII and empty values intact, runs without strict mode, and returns the exit code' {
        . Use-FakeClock
        $r = Invoke-LabScript -Name 'zz-harness-probe.ps1' -Parameters @{ Value = $LabAwkwardText; Empty = '' }
        $r.ExitCode | Should -Be 7
        $r.Output | Should -Contain "value=$LabAwkwardText"
        $r.Output | Should -Contain 'empty=[]'
        $r.Output | Should -Contain 'missing=[]'
        $r.Output | Should -Contain 'polls=120'
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 9, 0, 0))
    }
}
