<#
.SYNOPSIS
  Windows prerequisites of a primary site server that also hosts the site database, the
  management point (HTTP, Entra token auth) and the distribution point: .NET Framework 3.5,
  Remote Differential Compression, BITS, IIS with ASP.NET 4.5, Windows authentication and the
  IIS 6 metabase/WMI compatibility, and the Remote Registry service. Idempotent. It runs as soon
  as the VM exists, beside site-media.ps1 and before the domain join, whose restart also completes
  any restart these features ask for (nothing else restarts the VM during the build: automatic
  updates are off); site-sql.ps1 fails with what to do should that restart still be pending.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/site-and-site-system-prerequisites

  DNS: a feature whose payload is not on the image (Get-WindowsFeature InstallState 'Removed', as
  .NET 3.5 usually is on Azure's Windows Server images) is downloaded by Install-WindowsFeature
  from Windows Update (no -Source is given:
  https://learn.microsoft.com/powershell/module/servermanager/install-windowsfeature). The VNet's
  DNS server is the domain controller, which answers only once the forest exists; site-media.ps1,
  started beside this script, points this VM at Azure DNS while it does not. So when such a
  feature is still to install, this script first waits, at most DnsWaitMinutes, until an internet
  name resolves; features whose payload is on the image install without waiting. It never changes
  the DNS servers itself: site-media.ps1 owns that switch and hands the interface back to DHCP
  when it ends, and two scripts switching DNS side by side would undo each other.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $Features,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $DnsWaitMinutes
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

# The name that must resolve before a removed payload is fetched: the Windows Update download
# host, so the check asks for the kind of name Install-WindowsFeature will need (Microsoft's
# Windows Update endpoint lists name *.windowsupdate.com). Which hosts the Features on Demand
# download really contacts is UNCONFIRMED; any internet name resolves once the VM's DNS reaches
# the internet, which is what this waits for.
$UpdateHost = 'download.windowsupdate.com'

function Resolve-HostAddress {
    # Only the resolver call (tests replace it).
    param(
        [string] $HostName
    )
    return [System.Net.Dns]::GetHostAddresses($HostName)
}

function Test-InternetName {
    try {
        return (@(Resolve-HostAddress -HostName $UpdateHost).Count -gt 0)
    } catch {
        return $false
    }
}

function Get-RemovedPayloadFeature {
    # Reads only: the requested features not installed whose payload is not on this image.
    param(
        [string[]] $Names
    )
    return @(Get-WindowsFeature -Name $Names | Where-Object { (-not $_.Installed) -and ([string] $_.InstallState -eq 'Removed') } | ForEach-Object { $_.Name })
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
    $removed = @(Get-RemovedPayloadFeature -Names $names)
    if (($removed.Count -gt 0) -and (-not (Test-InternetName))) {
        Write-Output "Waiting up to $DnsWaitMinutes minutes for internet names to resolve ($UpdateHost): Windows Update must deliver the payload of $($removed -join ', ')"
        $deadline = (Get-Date).AddMinutes([int] $DnsWaitMinutes)
        while (-not (Test-InternetName)) {
            if ((Get-Date) -gt $deadline) {
                throw "internet names did not resolve within $DnsWaitMinutes minutes ($UpdateHost), so Windows Update cannot deliver the payload of $($removed -join ', '). site-media.ps1 switches this VM to Azure DNS (168.63.129.16) while the domain controller does not answer: check the output of the site-media run command on this VM (did it switch DNS, or fail or end and hand DNS back?) and the DNS servers of the VNet"
            }
            Start-Sleep -Seconds 20
        }
        Write-Output "Internet names resolve ($UpdateHost): installing"
    }
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
