<#
.SYNOPSIS
  Installs the Windows ADK (Deployment Tools, User State Migration Tool) and the Windows PE
  add-on from the offline layouts the site-media step made. ConfigMgr setup checks for them on
  a primary site server. Idempotent: an installed kit is detected by its files.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-windows-adk
  https://learn.microsoft.com/windows-hardware/get-started/adk-install
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $MediaRoot
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-adk failed: $_" -ErrorAction Continue
    exit 1
}

function Get-AdkRoot {
    return (Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\Assessment and Deployment Kit')
}

function Test-AdkInstalled {
    return (Test-Path -LiteralPath (Join-Path (Get-AdkRoot) 'Deployment Tools\amd64\DISM\dism.exe')) -and
        (Test-Path -LiteralPath (Join-Path (Get-AdkRoot) 'User State Migration Tool\amd64\scanstate.exe'))
}

function Test-WinPeInstalled {
    return (Test-Path -LiteralPath (Join-Path (Get-AdkRoot) 'Windows Preinstallation Environment\amd64\en-us\winpe.wim'))
}

function Install-Kit {
    param(
        [string] $FilePath,
        [string[]] $Arguments
    )
    if (-not (Test-Path -LiteralPath $FilePath)) { throw "$FilePath not found (is the site-media step done?)" }
    Write-Output "Running $FilePath $($Arguments -join ' ')"
    $p = Start-Process -FilePath $FilePath -ArgumentList $Arguments -Wait -PassThru -NoNewWindow
    if (($p.ExitCode -ne 0) -and ($p.ExitCode -ne 3010)) { throw "$FilePath exited with code $($p.ExitCode)" }
}

if (-not (Test-AdkInstalled)) {
    Install-Kit -FilePath (Join-Path $MediaRoot 'Adk\Layout\adksetup.exe') -Arguments @(
        '/quiet', '/norestart', '/ceip', 'off', '/features', 'OptionId.DeploymentTools', 'OptionId.UserStateMigrationTool')
}

if (-not (Test-WinPeInstalled)) {
    Install-Kit -FilePath (Join-Path $MediaRoot 'WinPE\Layout\adkwinpesetup.exe') -Arguments @(
        '/quiet', '/norestart', '/ceip', 'off', '/features', 'OptionId.WindowsPreinstallationEnvironment')
}

if (-not ((Test-AdkInstalled) -and (Test-WinPeInstalled))) {
    throw 'the Windows ADK or its Windows PE add-on is not installed'
}
Write-Output 'Windows ADK and Windows PE add-on installed'
exit 0
