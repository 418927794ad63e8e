<#
.SYNOPSIS
  Stops or starts the lab's cloud management gateway from the site, for npm run pause / npm run
  resume (scripts/lab-power.ts sends this file with az vm run-command invoke, not a Pulumi run
  command). First waits until AD answers and SMS_EXECUTIVE runs: on a resume the VMs have just
  booted.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('stop', 'start')]
    [string] $Action,

    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $CmgFqdn,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "lab-cmg-power failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Get-DomainControllerName {
    return [System.DirectoryServices.ActiveDirectory.Domain]::GetComputerDomain().FindDomainController().Name
}

function Test-SiteUp {
    $ad = $false
    try { $null = Get-DomainControllerName; $ad = $true } catch { $ad = $false }
    $exec = Get-Service -Name SMS_EXECUTIVE -ErrorAction SilentlyContinue
    return ($ad -and $exec -and $exec.Status -eq 'Running')
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-SiteUp)) {
    if ((Get-Date) -gt $deadline) { throw 'AD or the site did not come up within the wait' }
    Start-Sleep -Seconds 15
}
Connect-CMSite -Code $SiteCode -Provider $env:COMPUTERNAME
$cmg = Get-CMCloudManagementGateway -Name $CmgFqdn
if ($null -eq $cmg) { throw "no CMG named $CmgFqdn in site $SiteCode" }
if ($Action -eq 'stop') {
    Write-Output "CMG $CmgFqdn state before: $($cmg.State)"
    $cmg | Stop-CMCloudManagementGateway
    Write-Output "CMG $CmgFqdn stop requested"
} else {
    if ([int] $cmg.State -ne 0) { $cmg | Start-CMCloudManagementGateway; Write-Output "CMG $CmgFqdn start requested" } else { Write-Output "CMG $CmgFqdn already ready" }
    while ([int] (Get-CMCloudManagementGateway -Name $CmgFqdn).State -ne 0) {
        if ((Get-Date) -gt $deadline) { throw "CMG $CmgFqdn not ready within the wait (state $((Get-CMCloudManagementGateway -Name $CmgFqdn).State))" }
        Start-Sleep -Seconds 30
    }
    Write-Output "CMG $CmgFqdn ready"
}
Write-Output 'lab-cmg-power ok'
exit 0
