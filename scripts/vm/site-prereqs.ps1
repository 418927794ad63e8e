<#
.SYNOPSIS
  Windows prerequisites of a primary site server that also hosts the site database, the
  management point (HTTP, Entra token auth) and the distribution point: .NET Framework 3.5,
  Remote Differential Compression, BITS, IIS with ASP.NET 4.5, Windows authentication and the
  IIS 6 metabase/WMI compatibility, and the Remote Registry service. Idempotent. It runs just
  before the domain join, whose restart also completes any restart these features ask for
  (nothing else restarts the VM during the build: automatic updates are off); site-sql.ps1
  fails with what to do should that restart still be pending.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/site-and-site-system-prerequisites
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $Features
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-prereqs failed: $_" -ErrorAction Continue
    exit 1
}

function Test-FeaturesInstalled {
    param(
        [string[]] $Names
    )
    # A name Windows does not know returns no feature: counted as missing, never as installed.
    $installed = @(Get-WindowsFeature -Name $Names | Where-Object { $_.Installed } | ForEach-Object { $_.Name })
    $missing = @($Names | Where-Object { $installed -notcontains $_ })
    return ($missing.Count -eq 0)
}

function Test-RemoteRegistryRunning {
    $svc = Get-Service -Name 'RemoteRegistry'
    return ($svc.Status -eq 'Running') -and ($svc.StartType -eq 'Automatic')
}

$names = @($Features -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
if ($names.Count -eq 0) { throw "Features names no Windows feature: '$Features'" }
$unknown = @($names | Where-Object { @(Get-WindowsFeature -Name $_).Count -eq 0 })
if ($unknown.Count -gt 0) { throw "Features names Windows features this server does not know: $($unknown -join ', ') (check SITE_SERVER_FEATURES in stacks/model/site.ts)" }

if (-not (Test-FeaturesInstalled -Names $names)) {
    Write-Output "Installing Windows features: $($names -join ', ')"
    $result = Install-WindowsFeature -Name $names
    if (-not $result.Success) { throw "Install-WindowsFeature did not succeed (exit code $($result.ExitCode))" }
    if ([string] $result.RestartNeeded -eq 'Yes') {
        Write-Output 'Windows asks for a restart: the domain join that follows restarts the machine'
    }
}

if (-not (Test-RemoteRegistryRunning)) {
    # The site database server needs Remote Registry during site installation.
    Set-Service -Name 'RemoteRegistry' -StartupType Automatic
    Start-Service -Name 'RemoteRegistry'
}

if (-not ((Test-FeaturesInstalled -Names $names) -and (Test-RemoteRegistryRunning))) {
    throw "the site server prerequisites are not in place"
}
Write-Output 'Site server prerequisites in place'
exit 0
