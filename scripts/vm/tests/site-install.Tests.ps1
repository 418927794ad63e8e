# site-install.ps1: the unattended ConfigMgr primary site install, in rounds, read back through the
# registry, SMS_EXECUTIVE and the SMS Provider. The machine is a small in-memory model ($global:Vm):
# files by path, the site's registry and services, and a setup.exe process that runs on the fake
# clock and writes C:\ConfigMgrSetup.log as it ends.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # Join-Path writes '/' on this machine, '\' on Windows: the model keys paths in one form.
    function global:ConvertTo-ModelPath {
        param([string] $Path)
        return ($Path -replace '\\', '/')
    }
    # The script's thin wrapper around [System.IO.File]::WriteAllText (mocked below).
    function global:Write-TextFile {
        param([string] $Path, [string] $Text)
    }

    $script:Media = 'C:\CMLab\Media'
    $script:SetupExe = ConvertTo-ModelPath 'C:\CMLab\Media\ConfigMgr\Media\SMSSETUP\BIN\X64\setup.exe'
    $script:IniPath = ConvertTo-ModelPath 'C:\CMLab\Media\ConfigMgr\cmlab-setup.ini'
    $script:Log = ConvertTo-ModelPath 'C:\ConfigMgrSetup.log'
    $script:OdbcKey = ConvertTo-ModelPath 'HKLM:\SOFTWARE\ODBC\ODBCINST.INI\ODBC Driver 18 for SQL Server'
    $script:Ini = "[Identification]`r`nAction=InstallPrimarySite`r`n`r`n[Options]`r`nProductID=Eval`r`nSiteCode=PS1`r`nSiteName=cmg-lab cmglab PS1`r`n"
    $script:Params = @{
        SiteCode = 'PS1'
        SetupIniBase64 = [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($Ini))
        MediaRoot = $Media
        WaitMinutes = '55'
        LastRound = 'false'
    }
    # What setupdl.exe leaves in C:\ConfigMgrSetup.log after the site-media step (its download results).
    $script:DownloaderLog = "<![LOG[Setup Downloader: downloading prerequisite files to C:\CMLab\Media\ConfigMgr\Prereqs]LOG]>`r`n<![LOG[Download completed]LOG]>"

    function Set-Vm {
        param([hashtable] $Files = @{}, [string] $SiteCode = '', [bool] $Odbc = $true, [int] $SetupMinutes = 50, [string] $Outcome = 'completed', [string] $Setup = $SetupExe)
        $global:Vm = @{
            Files = @{}; SiteCode = $SiteCode; Exec = ($SiteCode -ne ''); Provider = ($SiteCode -ne ''); Odbc = $Odbc
            SetupMinutes = $SetupMinutes; Outcome = $Outcome; Process = $null; Started = 0; CommandLine = $null; Cwd = $null; MsiArguments = $null
            SetupPath = (ConvertTo-ModelPath $Setup)
        }
        $global:Vm.Files[(ConvertTo-ModelPath $Setup)] = 'MZ'
        foreach ($k in $Files.Keys) { $global:Vm.Files[(ConvertTo-ModelPath $k)] = $Files[$k] }
    }
    # setup.exe ends on the fake clock: it writes its last log line, and on success the site is up.
    function global:Update-Vm {
        $p = $global:Vm.Process
        if (($null -eq $p) -or $p.Done -or ((Get-FakeNow) -lt $p.EndsAt)) { return }
        $p.Done = $true
        switch ($p.Outcome) {
            'completed' {
                $global:Vm.Files[$Log] += "`r`n<![LOG[Completed Configuration Manager Server Setup]LOG]>"
                $global:Vm.SiteCode = 'PS1'; $global:Vm.Exec = $true; $global:Vm.Provider = $true
            }
            'completed-no-services' { $global:Vm.Files[$Log] += "`r`n<![LOG[Completed Configuration Manager Server Setup]LOG]>" }
            'failed' { $global:Vm.Files[$Log] += "`r`n<![LOG[Failed Configuration Manager Server Setup]LOG]>" }
            'crashed' { }
        }
    }
    function Start-ModelSetup {
        param([double] $Minutes, [string] $Outcome = 'completed')
        $global:Vm.Files[$Log] = '<![LOG[Configuration Manager Setup: installing the primary site]LOG]>'
        $global:Vm.Process = @{ Path = $global:Vm.SetupPath; EndsAt = (Get-FakeNow).AddMinutes($Minutes); Outcome = $Outcome; Done = $false }
    }
}

Describe 'site-install.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Test-Path {
            $k = ConvertTo-ModelPath $LiteralPath
            if ($k -eq $OdbcKey) { return $global:Vm.Odbc }
            Update-Vm
            return $global:Vm.Files.ContainsKey($k)
        }
        Mock Get-Content {
            Update-Vm
            $text = $global:Vm.Files[(ConvertTo-ModelPath $LiteralPath)]
            if ($PesterBoundParameters.ContainsKey('Tail')) { return @($text -split "`r?`n" | Select-Object -Last $Tail) }
            return $text
        }
        Mock Move-Item {
            $from = ConvertTo-ModelPath $LiteralPath
            $global:Vm.Files[(ConvertTo-ModelPath $Destination)] = $global:Vm.Files[$from]
            $global:Vm.Files.Remove($from)
        }
        Mock Set-Content { $global:Vm.Files[(ConvertTo-ModelPath $LiteralPath)] = [string] $Value }
        Mock Write-TextFile { $global:Vm.Files[(ConvertTo-ModelPath $Path)] = $Text }
        Mock Get-ItemProperty {
            if ($global:Vm.SiteCode) { [pscustomobject]@{ 'Site Code' = $global:Vm.SiteCode } }
        } -ParameterFilter { (ConvertTo-ModelPath $LiteralPath) -eq 'HKLM:/SOFTWARE/Microsoft/SMS/Identification' }
        Mock Get-Service {
            Update-Vm
            if ($global:Vm.Exec) { [pscustomobject]@{ Name = 'SMS_EXECUTIVE'; Status = 'Running' } }
        } -ParameterFilter { $Name -eq 'SMS_EXECUTIVE' }
        Mock Get-CimInstance {
            Update-Vm
            if ($global:Vm.Provider) { [pscustomobject]@{ SiteCode = $global:Vm.SiteCode; Machine = 'cm01.corp.cmglab.example' } }
        } -ParameterFilter { $ClassName -eq 'SMS_ProviderLocation' -and $Namespace -eq 'root\SMS' }
        Mock Get-CimInstance {
            Update-Vm
            $p = $global:Vm.Process
            if (($null -ne $p) -and -not $p.Done) { [pscustomobject]@{ Name = 'setup.exe'; ProcessId = 4242; ExecutablePath = $p.Path } }
        } -ParameterFilter { $ClassName -eq 'Win32_Process' -and $Filter -eq "Name = 'setup.exe'" }
        Mock Invoke-CimMethod {
            $global:Vm.Started++
            $global:Vm.CommandLine = $Arguments.CommandLine
            $global:Vm.Cwd = $Arguments.CurrentDirectory
            Start-ModelSetup -Minutes $global:Vm.SetupMinutes -Outcome $global:Vm.Outcome
            [pscustomobject]@{ ReturnValue = 0; ProcessId = 4242 }
        } -ParameterFilter { $ClassName -eq 'Win32_Process' -and $MethodName -eq 'Create' }
        Mock Get-ChildItem { [pscustomobject]@{ FullName = 'C:\CMLab\Media\ConfigMgr\Prereqs\msodbcsql.msi' } } -ParameterFilter { $Filter -eq 'msodbcsql*.msi' }
        Mock Start-Process {
            $global:Vm.MsiArguments = @($ArgumentList)
            $global:Vm.Odbc = $true
            [pscustomobject]@{ ExitCode = 0 }
        } -ParameterFilter { $FilePath -eq 'msiexec.exe' }
    }

    It 'starts setup on a first run although setupdl.exe left its log at C:\ConfigMgrSetup.log, and reads the site back' {
        Set-Vm -Files @{ 'C:\ConfigMgrSetup.log' = $DownloaderLog } -Odbc $false
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Started | Should -Be 1
        $global:Vm.CommandLine | Should -Be "`"$SetupExe`" /script `"$IniPath`" /NoUserInput"
        $global:Vm.Cwd | Should -Be (ConvertTo-ModelPath 'C:\CMLab\Media\ConfigMgr\Media\SMSSETUP\BIN\X64')
        $global:Vm.Files[$IniPath] | Should -BeExactly $Ini
        # The downloader's log is set aside, not taken for a setup that died.
        $global:Vm.Files["$Log.previous"] | Should -BeExactly $DownloaderLog
        $global:Vm.MsiArguments | Should -Contain 'IACCEPTMSODBCSQLLICENSETERMS=YES'
        $global:Vm.MsiArguments | Should -Contain '"C:\CMLab\Media\ConfigMgr\Prereqs\msodbcsql.msi"'
        $r.Output | Should -Contain 'Primary site PS1 installed'
    }

    It 'changes nothing when the site is installed and no setup runs (second run)' {
        Set-Vm -SiteCode 'PS1' -Files @{ 'C:\ConfigMgrSetup.log' = 'Completed Configuration Manager Server Setup' }
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-CimMethod -Times 0 -Exactly
        Should -Invoke Write-TextFile -Times 0 -Exactly
        Should -Invoke Move-Item -Times 0 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
        $r.Output | Should -Contain 'Primary site PS1 installed'
    }

    It 'ends a non-last round with exit 0 while setup runs, and the next round waits on without a second setup' {
        Set-Vm -SetupMinutes 100
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Text | Should -Match 'ConfigMgr setup still running after 55 minutes \(process 4242\); the next round waits on'
        $global:Vm.SiteCode | Should -Be ''
        $last = $Params.Clone(); $last.LastRound = 'true'
        $r2 = Invoke-LabScript -Name 'site-install.ps1' -Parameters $last
        $r2.ExitCode | Should -Be 0 -Because $r2.Text
        $r2.Text | Should -Match 'ConfigMgr setup is already running \(process 4242\); waiting for it'
        $global:Vm.Started | Should -Be 1
        $r2.Output | Should -Contain 'Primary site PS1 installed'
    }

    It 'fails the last round on timeout, saying a rerun waits on and does not start setup again' {
        Set-Vm -SetupMinutes 600
        $last = $Params.Clone(); $last.LastRound = 'true'
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $last
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ConfigMgr setup is still running \(process 4242\) after this step''s last round; run pulumi up again to keep waiting \(it does not start setup again\)'
        ((Get-FakeNow) - [datetime]::new(2026, 1, 1, 8, 0, 0)).TotalMinutes | Should -BeGreaterOrEqual 55
    }

    It 'fails naming the logs when setup reports failure' {
        Set-Vm -Outcome 'failed'
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('ConfigMgr setup failed; see C:'))
        $r.Text | Should -Match ([regex]::Escape('C:\ConfigMgrPrereq.log'))
    }

    It 'fails the read-back when setup completed but the site services never come up' {
        Set-Vm -Outcome 'completed-no-services'
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'site PS1 is not installed: the registry, SMS_EXECUTIVE or the SMS Provider does not show it'
    }

    It 'fails when the setup it started ends without finishing its log' {
        Set-Vm -Outcome 'crashed' -SetupMinutes 20
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ConfigMgr setup ended before finishing; see C:'
    }

    It 'refuses to start a second setup over one this script started that died half-way' {
        Set-Vm -Files @{
            'C:\ConfigMgrSetup.log' = '<![LOG[Configuration Manager Setup: installing the primary site]LOG]>'
            'C:\CMLab\Media\ConfigMgr\setup-started' = 'setup.exe /script started by site-install.ps1'
        }
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ConfigMgr setup began \(see C:.ConfigMgrSetup.log\) but is not running and did not finish: a second setup over a half-installed site is not started'
        Should -Invoke Invoke-CimMethod -Times 0 -Exactly
    }

    It 'fails before starting anything when the media are missing' {
        Set-Vm -Setup 'C:\elsewhere\setup.exe'
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ConfigMgr setup not found at .*setup.exe \(is the site-media step done\?\)'
        Should -Invoke Invoke-CimMethod -Times 0 -Exactly
    }

    It 'receives an ini with quotes, $, %, cmd metacharacters and non-ASCII, and a media folder with spaces, intact' {
        $odd = "C:\CM Lab é\Media"
        $oddSetup = ConvertTo-ModelPath "$odd\ConfigMgr\Media\SMSSETUP\BIN\X64\setup.exe"
        Set-Vm -Setup $oddSetup
        $ini = "[Options]`r`nSiteName=$LabAwkwardText`r`n"
        $p = $Params.Clone(); $p.MediaRoot = $odd; $p.SetupIniBase64 = [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($ini))
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Files[(ConvertTo-ModelPath "$odd\ConfigMgr\cmlab-setup.ini")] | Should -BeExactly $ini
        $global:Vm.CommandLine | Should -Be "`"$oddSetup`" /script `"$(ConvertTo-ModelPath "$odd\ConfigMgr\cmlab-setup.ini")`" /NoUserInput"
    }

    It 'stops before any change on a missing site code, an ini that is not base64, or a bad wait or round value' -TestCases @(
        @{ Key = 'SiteCode'; Value = $null; Pattern = 'SiteCode' }
        @{ Key = 'SetupIniBase64'; Value = 'not base64 %%'; Pattern = 'SetupIniBase64' }
        @{ Key = 'WaitMinutes'; Value = 'soon'; Pattern = 'WaitMinutes' }
        @{ Key = 'LastRound'; Value = 'yes'; Pattern = 'LastRound' }
    ) {
        Set-Vm -Odbc $false
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'site-install.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Pattern
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Invoke-CimMethod -Times 0 -Exactly
        Should -Invoke Write-TextFile -Times 0 -Exactly
    }
}
