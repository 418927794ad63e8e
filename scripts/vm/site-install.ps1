<#
.SYNOPSIS
  Installs the ConfigMgr primary site unattended: `setup.exe /script <ini> /NoUserInput` from the
  evaluation media with the prerequisite files already downloaded, after the SQL ODBC driver 18
  that setup requires since 2309. The ini is rendered by the Pulumi program (stacks/model/site.ts) and
  arrives base64-encoded. Waits, bounded, for setup to finish by reading C:\ConfigMgrSetup.log,
  then reads back the site: its code in the registry, SMS_EXECUTIVE running, the SMS Provider
  answering. Idempotent: an installed site with this code is left alone.
  Runs in rounds (one run command may not run past 90 minutes): a round that is not the last
  ends with exit 0 while setup still runs, and the next round finds the running setup (or its
  completed log) and waits on. Setup is started through Win32_Process.Create, outside the run
  command's process tree, so it outlives the round that started it (UNCONFIRMED on Azure: how the
  run command handler treats child processes is not documented). A log that setup began but did
  not finish, with no setup running, stops the script instead of starting setup a second time.
  C:\ConfigMgrSetup.log is setup's log, but setupdl.exe (the site-media step) writes its download
  results to the same file: the log is read as setup's own only once this script has started
  setup (its marker file setup-started beside the media); any earlier log is moved aside.
  Source: https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/setup-downloader
  Sources: https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/use-a-command-line-to-install-sites
  https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/command-line-script-file
  https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/site-and-site-system-prerequisites
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[A-Za-z0-9]{3}$')]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SetupIniBase64,

    [Parameter(Mandatory = $true)]
    [string] $MediaRoot,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $WaitMinutes,

    [Parameter(Mandatory = $true)]
    [ValidateSet('true', 'false')]
    [string] $LastRound
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-install failed: $_" -ErrorAction Continue
    exit 1
}

# Decoded before any change: a parameter that is not base64 stops the step here.
try {
    $SetupIni = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($SetupIniBase64))
} catch {
    throw "SetupIniBase64 is not base64 text (the setup ini rendered by stacks/model/site.ts): $($_.Exception.Message)"
}

$SetupLog = Join-Path $env:SystemDrive 'ConfigMgrSetup.log'
# Written just before this script starts setup: from then on C:\ConfigMgrSetup.log is setup's.
$StartedMarker = Join-Path $MediaRoot 'ConfigMgr\setup-started'

function Write-TextFile {
    # UTF-8 without a byte order mark (Set-Content -Encoding UTF8 writes one in PowerShell 5.1).
    param(
        [string] $Path,
        [string] $Text
    )
    [System.IO.File]::WriteAllText($Path, $Text)
}

function Test-OdbcDriver {
    return (Test-Path -LiteralPath 'HKLM:\SOFTWARE\ODBC\ODBCINST.INI\ODBC Driver 18 for SQL Server')
}

function Test-SiteInstalled {
    param(
        [string] $Code
    )
    $id = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -ErrorAction SilentlyContinue
    if (($null -eq $id) -or ($id.'Site Code' -ne $Code)) { return $false }
    $exec = Get-Service -Name 'SMS_EXECUTIVE' -ErrorAction SilentlyContinue
    if (($null -eq $exec) -or ($exec.Status -ne 'Running')) { return $false }
    try {
        $provider = Get-CimInstance -Namespace 'root\SMS' -ClassName 'SMS_ProviderLocation' | Where-Object { $_.SiteCode -eq $Code }
        return ($null -ne $provider)
    } catch {
        return $false
    }
}

function Test-SetupFinished {
    if (-not (Test-Path -LiteralPath $SetupLog)) { return $false }
    $text = Get-Content -LiteralPath $SetupLog -Raw
    return ($text -match 'Completed Configuration Manager Server Setup') -or ($text -match 'Failed Configuration Manager Server Setup') -or ($text -match 'Setup has encountered (a )?fatal error')
}

function Test-SetupCompleted {
    return (Test-Path -LiteralPath $SetupLog) -and ((Get-Content -LiteralPath $SetupLog -Raw) -match 'Completed Configuration Manager Server Setup')
}

$setup = Join-Path $MediaRoot 'ConfigMgr\Media\SMSSETUP\BIN\X64\setup.exe'

function Get-RunningSetup {
    # Reads only: the setup.exe of these media, if one runs (CIM sees every session's processes).
    return (Get-CimInstance -ClassName Win32_Process -Filter "Name = 'setup.exe'" | Where-Object { $_.ExecutablePath -eq $setup } | Select-Object -First 1)
}

function Test-SetupRunning {
    return ($null -ne (Get-RunningSetup))
}

# A setup that runs (from an earlier round or attempt) is waited for first: the site shows as
# installed before setup has finished.
if ((Test-SetupRunning) -or -not (Test-SiteInstalled -Code $SiteCode)) {
    if (-not (Test-Path -LiteralPath $setup)) { throw "ConfigMgr setup not found at $setup (is the site-media step done?)" }

    if (Test-SetupRunning) {
        Write-Output "ConfigMgr setup is already running (process $((Get-RunningSetup).ProcessId)); waiting for it"
    } elseif (Test-SetupCompleted) {
        Write-Output "ConfigMgr setup has completed ($SetupLog); waiting for the site services"
    } elseif ((Test-Path -LiteralPath $StartedMarker) -and (Test-Path -LiteralPath $SetupLog) -and -not (Test-SetupFinished)) {
        Get-Content -LiteralPath $SetupLog -Tail 15 | Write-Output
        throw "ConfigMgr setup began (see $SetupLog) but is not running and did not finish: a second setup over a half-installed site is not started. Read the log; remove the site (setup.exe /deinstall) or the VM, then run pulumi up again"
    } else {
        if (-not (Test-OdbcDriver)) {
            # Setup's prerequisite check requires the Microsoft ODBC Driver 18 for SQL Server (2309+);
            # the media and the downloaded prerequisites carry its installer.
            $msi = Get-ChildItem -LiteralPath (Join-Path $MediaRoot 'ConfigMgr') -Recurse -Filter 'msodbcsql*.msi' | Select-Object -First 1
            if ($null -eq $msi) { throw "no msodbcsql*.msi in $MediaRoot\ConfigMgr: install the Microsoft ODBC Driver 18 for SQL Server" }
            Write-Output "Installing $($msi.FullName)"
            $p = Start-Process -FilePath 'msiexec.exe' -ArgumentList @('/i', "`"$($msi.FullName)`"", '/qn', '/norestart', 'IACCEPTMSODBCSQLLICENSETERMS=YES') -Wait -PassThru -NoNewWindow
            if (($p.ExitCode -ne 0) -and ($p.ExitCode -ne 3010)) { throw "the ODBC driver installer exited with code $($p.ExitCode)" }
        }
        $ini = Join-Path $MediaRoot 'ConfigMgr\cmlab-setup.ini'
        Write-TextFile -Path $ini -Text $SetupIni
        # An earlier log is not this setup's (setupdl.exe's, or a finished attempt's): set it aside.
        if (Test-Path -LiteralPath $SetupLog) { Move-Item -LiteralPath $SetupLog -Destination "$SetupLog.previous" -Force }
        Set-Content -LiteralPath $StartedMarker -Value 'setup.exe /script started by site-install.ps1' -Encoding ASCII
        Write-Output "Running $setup /script $ini /NoUserInput"
        $created = Invoke-CimMethod -ClassName Win32_Process -MethodName Create -Arguments @{
            CommandLine = "`"$setup`" /script `"$ini`" /NoUserInput"
            CurrentDirectory = (Split-Path -Parent $setup)
        }
        if ($created.ReturnValue -ne 0) { throw "Win32_Process.Create could not start setup (return value $($created.ReturnValue))" }
    }

    $deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
    while (-not (Test-SetupFinished)) {
        $running = Get-RunningSetup
        if ((Get-Date) -gt $deadline) {
            if ($null -eq $running) { throw "ConfigMgr setup is not running and did not finish; see $SetupLog" }
            if ($LastRound -ne 'true') {
                Write-Output "ConfigMgr setup still running after $WaitMinutes minutes (process $($running.ProcessId)); the next round waits on"
                exit 0
            }
            throw "ConfigMgr setup is still running (process $($running.ProcessId)) after this step's last round; run pulumi up again to keep waiting (it does not start setup again). See $SetupLog"
        }
        if ($null -eq $running) {
            # Setup writes its last line as it ends: allow a moment before calling it a crash.
            Start-Sleep -Seconds 30
            if (-not (Test-SetupFinished)) { throw "ConfigMgr setup ended before finishing; see $SetupLog" }
        }
        Start-Sleep -Seconds 60
    }
    Get-Content -LiteralPath $SetupLog -Tail 15 | Write-Output
    if (-not (Test-SetupCompleted)) {
        throw "ConfigMgr setup failed; see $SetupLog and C:\ConfigMgrPrereq.log"
    }

    # Site services register a minute or two after setup's last line.
    $serviceDeadline = (Get-Date).AddMinutes(15)
    while (-not (Test-SiteInstalled -Code $SiteCode)) {
        if ((Get-Date) -gt $serviceDeadline) { break }
        Start-Sleep -Seconds 20
    }
}

if (-not (Test-SiteInstalled -Code $SiteCode)) {
    throw "site $SiteCode is not installed: the registry, SMS_EXECUTIVE or the SMS Provider does not show it"
}
Write-Output "Primary site $SiteCode installed"
exit 0
