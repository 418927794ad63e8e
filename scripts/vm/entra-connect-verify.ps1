<#
.SYNOPSIS
  Checks that Entra Connect Sync on this server is configured for the lab: the sync engine runs,
  the AD connector for the forest and the Entra ID connector exist, password hash synchronization
  is on, and the server is not in staging mode. Changes nothing. Runs as the account that
  completed the wizard (a member of ADSyncAdmins), in a run command of its own so that its logon
  carries that membership (see entra-connect-configure.ps1).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ForestFqdn
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-verify failed: $_" -ErrorAction Continue
    exit 1
}

# Connector subtype of the Entra ID connector, as Microsoft's password hash sync troubleshooting
# script matches it (tshoot-connect-password-hash-synchronization).
$entraSubType = 'Windows Azure Active Directory (Microsoft)'

#include lib/adsync.ps1

function Get-SyncProblems {
    $problems = @()
    $service = Get-Service -Name ADSync -ErrorAction SilentlyContinue
    if ($null -eq $service) { return @('the sync engine is not installed') }
    # The ADSync cmdlets below need the running service; without it they fail with their own
    # connection error, which would hide this one.
    if ($service.Status -ne 'Running') { return @("the ADSync service is $($service.Status), not Running (start it: Start-Service -Name ADSync)") }
    Import-ADSyncModule
    $connectors = @(Get-ADSyncConnector)
    $ad = @($connectors | Where-Object { ($_.ConnectorTypeName -eq 'AD') -and ($_.Name -eq $ForestFqdn) })
    $entra = @($connectors | Where-Object { $_.SubType -eq $entraSubType })
    if ($ad.Count -ne 1) { $problems += "no Active Directory connector for the forest $ForestFqdn (found: $(($connectors | ForEach-Object { $_.Name }) -join ', '))" }
    if ($entra.Count -ne 1) { $problems += "expected one Entra ID connector, found $($entra.Count)" }
    if ($entra.Count -eq 1) {
        # UNCONFIRMED: that this read still answers without an interactive sign-in on 2.6.84.0
        # and later (only cmdlets that change tenant settings are said to need one).
        $features = Get-ADSyncAADCompanyFeature
        if ($features.PasswordHashSync -ne $true) { $problems += 'password hash synchronization is off' }
    }
    $scheduler = Get-ADSyncScheduler
    if ($scheduler.StagingModeEnabled -eq $true) { $problems += 'the server is in staging mode, so nothing is exported to Entra ID' }
    return $problems
}

function Test-SyncConfigured {
    return (@(Get-SyncProblems).Count -eq 0)
}

if (-not (Test-SyncConfigured)) {
    throw "Entra Connect is not configured as the lab needs: $((Get-SyncProblems) -join '; '). Run the wizard again (Configure), fix that, then run pulumi up again."
}
Write-Output "Entra Connect is configured: AD connector $ForestFqdn, Entra ID connector, password hash sync on, not staging"
exit 0
