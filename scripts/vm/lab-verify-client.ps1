<#
.SYNOPSIS
  End-to-end checks on one client, as a readable report; fails (exit 1) unless every check
  passes within the wait. Each failed check prints the evidence lines it saw (dsregcmd, client
  logs) so that `npm run diagnose` (stacks/diagnosis/diagnose.ts) names the missed runbook step:
  - hybrid-join: dsregcmd /status shows AzureAdJoined : YES and DomainJoined : YES;
  - tenant: dsregcmd /status's TenantId (Tenant Details) is the lab's tenant, ignoring case; a
    device joined to another tenant was sent there by the hybrid-join SCP on the DC (its
    azureADId), so the failure names the tenant seen and that step (hybrid-join-scp);
  - cmg-route (internet-side clients): the client's active management point is an Internet one
    (root\ccm\LocationServices SMS_ActiveMPCandidate, Type Internet) pointing at the CMG;
  - registered: ClientIDManagerStartup.log shows the client registered (Approval status 3 is the
    Entra ID approval).
  Changes nothing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$')]
    [string] $CmgFqdn,

    [Parameter(Mandatory = $true)]
    [ValidateSet('0', '1')]
    [string] $InternetOnly,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]{0,3}$')]
    [string] $WaitMinutes,

    # The Entra tenant the device must be joined to.
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
    [string] $TenantId
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "lab-verify-client failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/dsreg.ps1

function Test-HybridJoined {
    $f = Get-DsregFields
    return ((Get-Field -Fields $f -Name 'AzureAdJoined') -eq 'YES') -and ((Get-Field -Fields $f -Name 'DomainJoined') -eq 'YES')
}

function Test-JoinedTenant {
    # -eq on strings ignores case: dsregcmd prints the id in lower case, a parameter may not be.
    return ((Get-Field -Fields (Get-DsregFields) -Name 'TenantId') -eq $TenantId)
}

function Get-TenantEvidence {
    $f = Get-DsregFields
    $seen = Get-Field -Fields $f -Name 'TenantId'
    if (-not $seen) { $seen = '(none: not Entra joined)' }
    return @(
        "TenantId : $seen (expected $TenantId)"
        "likely: $((Get-DsregMissedStep -Fields $f -TenantId $TenantId).Hint)"
    )
}

function Test-CmgRoute {
    param(
        [string] $Fqdn
    )
    $mp = Get-CimInstance -Namespace 'root\ccm\LocationServices' -ClassName SMS_ActiveMPCandidate -ErrorAction SilentlyContinue |
        Where-Object { $_.Type -eq 'Internet' -and $_.MP -like "*$Fqdn*" }
    return ($null -ne $mp)
}

function Test-Registered {
    $log = Join-Path $env:windir 'CCM\Logs\ClientIDManagerStartup.log'
    if (-not (Test-Path -LiteralPath $log)) { return $false }
    return [bool] (Select-String -LiteralPath $log -Pattern 'Approval status 3|Client is registered' -Quiet)
}

function Get-Evidence {
    param(
        [string[]] $Logs
    )
    $lines = @()
    foreach ($name in $Logs) {
        $path = Join-Path $env:windir "CCM\Logs\$name"
        if (Test-Path -LiteralPath $path) {
            $lines += Get-Content -LiteralPath $path -Tail 400 |
                Where-Object { $_ -match 'error|fail|0x8|CMGConnector|CMGService|WINHTTP|not completely discovered' } |
                Select-Object -Last 5
        }
    }
    return $lines
}

function Test-Check {
    param(
        [string] $Id,
        [string] $Fqdn
    )
    switch ($Id) {
        'hybrid-join' { return (Test-HybridJoined) }
        'tenant' { return (Test-JoinedTenant) }
        'cmg-route' { return (Test-CmgRoute -Fqdn $Fqdn) }
        default { return (Test-Registered) }
    }
}

# An intranet-side client talks to the intranet MP; only internet-side clients must use the CMG.
$checks = if ($InternetOnly -eq '1') { @('hybrid-join', 'tenant', 'cmg-route', 'registered') } else { @('hybrid-join', 'tenant', 'registered') }
$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
$passed = @{}
do {
    foreach ($id in $checks) {
        if (-not $passed[$id]) { $passed[$id] = [bool] (Test-Check -Id $id -Fqdn $CmgFqdn) }
    }
    $done = @($passed.Values | Where-Object { -not $_ }).Count -eq 0
    if (-not $done) { Start-Sleep -Seconds 30 }
} while (-not $done -and (Get-Date) -lt $deadline)

$report = @("VERIFY REPORT $env:COMPUTERNAME (client)")
foreach ($id in $checks) {
    $report += "VERIFY $($env:COMPUTERNAME) $id $(if ($passed[$id]) { 'PASS' } else { 'FAIL' })"
    if (-not $passed[$id]) {
        $evidence = switch ($id) {
            # The state, the failed tests and the previous registration's error lines (the server
            # message says "isn't found" in Microsoft's sample, "is not found" in the reference lab).
            'hybrid-join' { Get-DsregStatusLines | Where-Object { $_ -match 'AzureAdJoined|DomainJoined|TenantId|Error|0x8|found|FAIL|AADSTS' } }
            'tenant' { Get-TenantEvidence }
            'cmg-route' { Get-Evidence -Logs @('LocationServices.log', 'CcmMessaging.log') }
            default { Get-Evidence -Logs @('ClientIDManagerStartup.log', 'CcmMessaging.log', 'LocationServices.log') }
        }
        foreach ($line in $evidence) { $report += "  evidence: $($line.Trim())" }
    }
}
$report | ForEach-Object { Write-Output $_ }
if (-not $done) { throw "verify failed on $($env:COMPUTERNAME): see the FAIL lines above" }
exit 0
