<#
.SYNOPSIS
  End-to-end checks on the site server, as a readable report; fails (exit 1) unless every check
  passes within the wait:
  - cmg-ready: Get-CMCloudManagementGateway reports the CMG with State 0 and StatusDetails 1
    (Microsoft documents no meaning for State; this is the rule of the one public unattended CMG
    script, TomDegreef/SuperChargedIntune Configure-CMG.ps1: UNCONFIRMED as Microsoft's meaning of
    Ready); a missing or empty value is never taken as 0;
  - client-online <name>: each client is a ConfigMgr client, active, and online (Get-CMDevice:
    IsClient, ClientActiveStatus 1, CNIsOnline); online through the CMG is what the client-side
    report proves (its management point is the CMG).
  On failure it prints evidence lines from CloudMgr.log, SMS_Cloud_ProxyConnector.log and
  CCM_STS.log (e.g. "is not completely discovered") so that `npm run diagnose` names the missed
  step. The user-discovery check is check-user-discovery.ps1, run by the same verify step.
  Runs as the site's Full Administrator (the domain admin). Changes nothing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerFqdn,

    [Parameter(Mandatory = $true)]
    [string] $CmgFqdn,

    # Empty for a lab without client VMs (the config allows none): then only the CMG is checked.
    [Parameter(Mandatory = $true)]
    [AllowEmptyString()]
    [string] $ClientNames,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "lab-verify-site failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1
#include lib/cmg-status.ps1

function Test-CmgReady {
    param(
        [object] $Gateway
    )
    return (Get-CmgStatusOf -Gateway $Gateway).Ready
}

function Test-Check {
    param(
        [string] $Id,
        [string] $Fqdn
    )
    if ($Id -eq 'cmg-ready') {
        return (Test-CmgReady -Gateway (Get-CMCloudManagementGateway -Name $Fqdn))
    }
    $name = $Id.Substring('client-online '.Length)
    # A name can match more than one record (an AD System Discovery record next to the client's
    # own): look for one active, online client among them instead of casting an array to [int].
    $online = @(Get-CMDevice -Name $name -Fast |
            Where-Object { $_.IsClient -and [int] $_.ClientActiveStatus -eq 1 -and [int] $_.CNIsOnline -eq 1 })
    return ($online.Count -gt 0)
}

function Get-SiteEvidence {
    $installDir = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -ErrorAction SilentlyContinue).'Installation Directory'
    $lines = @()
    foreach ($name in @('CloudMgr.log', 'SMS_Cloud_ProxyConnector.log', 'CCM_STS.log', 'CCM_STS_ManagedBase.log')) {
        $path = Join-Path ([string] $installDir) "Logs\$name"
        if (Test-Path -LiteralPath $path) {
            $lines += Get-Content -LiteralPath $path -Tail 400 |
                Where-Object { $_ -match 'error|fail|exception|CMGConnector|not completely discovered|AuthorizationFailed|MISE' } |
                Select-Object -Last 5
        }
    }
    return $lines
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn
$checks = @('cmg-ready') + @($ClientNames.Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ } | ForEach-Object { "client-online $_" })
$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
$passed = @{}
do {
    foreach ($id in $checks) {
        if (-not $passed[$id]) { $passed[$id] = [bool] (Test-Check -Id $id -Fqdn $CmgFqdn) }
    }
    $done = @($checks | Where-Object { -not $passed[$_] }).Count -eq 0
    if (-not $done) { Start-Sleep -Seconds 30 }
} while (-not $done -and (Get-Date) -lt $deadline)

$report = @("VERIFY REPORT $SiteServerFqdn (site)")
foreach ($id in $checks) {
    $report += "VERIFY $SiteServerFqdn $id $(if ($passed[$id]) { 'PASS' } else { 'FAIL' })"
}
if (-not $done) {
    Set-Location -Path $env:SystemDrive
    foreach ($line in (Get-SiteEvidence)) { $report += "  evidence: $($line.Trim())" }
}
$report | ForEach-Object { Write-Output $_ }
if (-not $done) { throw "verify failed on $($SiteServerFqdn): see the FAIL lines above" }
exit 0
