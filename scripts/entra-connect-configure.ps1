<#
.SYNOPSIS
  Checks that Entra Connect Sync on this server is configured for the lab: the sync engine
  (ADSync service) runs, the AD connector for the forest and the Entra ID connector exist,
  password hash synchronization is on, and the server is not in staging mode. Changes nothing.

  Microsoft does not support configuring Entra Connect without its wizard
  (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-faq), and no
  documented cmdlet creates the sync engine, its connectors or the Entra ID sync account. So the
  one-time connection is made in the wizard, while `pulumi up` goes on with everything that does
  not need it (the ConfigMgr site installs meanwhile): this script waits, bounded, for the wizard
  to be completed, and when the time is up fails with the exact wizard choices; the next
  `pulumi up` runs it again. The OU scope is then enforced (or, in wizard mode, verified) by
  sync-scope-apply.ps1.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ForestFqdn,

    [Parameter(Mandatory = $true)]
    [string] $ExpectedOuDns,

    [Parameter(Mandatory = $true)]
    [string] $SetupUpn,

    [Parameter(Mandatory = $true)]
    [string] $AdminUser,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-configure failed: $_" -ErrorAction Continue
    exit 1
}

# Connector subtype of the Entra ID connector, as Microsoft's password hash sync troubleshooting
# script matches it (tshoot-connect-password-hash-synchronization).
$entraSubType = 'Windows Azure Active Directory (Microsoft)'

#include lib/adsync.ps1

function Get-SyncProblems {
    $problems = @()
    $service = Get-Service -Name ADSync -ErrorAction SilentlyContinue
    if ($null -eq $service) {
        return @('the sync engine is not installed: the Entra Connect wizard has not been completed on this server')
    }
    if ($service.Status -ne 'Running') { $problems += "the ADSync service is $($service.Status), not Running" }
    Import-ADSyncModule
    $connectors = @(Get-ADSyncConnector)
    $ad = @($connectors | Where-Object { ($_.ConnectorTypeName -eq 'AD') -and ($_.Name -eq $ForestFqdn) })
    $entra = @($connectors | Where-Object { $_.SubType -eq $entraSubType })
    if ($ad.Count -ne 1) { $problems += "no Active Directory connector for the forest $ForestFqdn (found: $(($connectors | ForEach-Object { $_.Name }) -join ', '))" }
    if ($entra.Count -ne 1) { $problems += "expected one Entra ID connector, found $($entra.Count)" }
    if ($entra.Count -eq 1) {
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

$ous = ($ExpectedOuDns -split ';') -join ' and '
$steps = @(
    "Entra Connect is installed on $env:COMPUTERNAME but not configured yet. Complete its wizard once; pulumi up notices within a minute and goes on (this check waits up to $WaitMinutes minutes, then fails with these choices, and the next pulumi up re-runs it):",
    "1. Connect to $env:COMPUTERNAME through Azure Bastion and sign in as $AdminUser (the wizard adds the signed-in account to ADSyncAdmins; the lab's later steps run as that account).",
    '2. Start Azure AD Connect from the desktop, agree to the terms, select Customize; on Install required components leave every box clear and select Install.',
    '3. User sign-in: Password Hash Synchronization. Leave Enable single sign-on clear.',
    "4. Connect to Microsoft Entra ID: sign in as $SetupUpn with the password of that setup identity (npm run credentials prints it, from the stack's state).",
    "5. Connect your directories: forest $ForestFqdn, Add Directory, Create new AD account, with $AdminUser and its password.",
    '6. Microsoft Entra sign-in configuration: if the UPN suffix is not verified, tick Continue without matching all UPN suffixes to verified domains.',
    "7. Domain and OU filtering: Sync selected domains and OUs; select exactly $ous and clear everything else, the domain root included.",
    '8. Uniquely identifying your users, Filter users and devices, Optional features: keep the defaults (Password hash synchronization stays ticked).',
    '9. Device options are not needed: the lab writes the hybrid join service connection point itself (hybrid-join-scp step).',
    '10. Ready to configure: clear Start the synchronization process when configuration completes and clear Enable staging mode, then Install (the lab sets the scope and runs the first sync).'
)

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-SyncConfigured)) {
    if ((Get-Date) -gt $deadline) {
        foreach ($line in $steps) { Write-Output $line }
        throw "Entra Connect is still not configured after $WaitMinutes minutes: $((Get-SyncProblems) -join '; '). Complete the wizard as above, then run pulumi up again."
    }
    Start-Sleep -Seconds 60
}

if (-not (Test-SyncConfigured)) { throw "Entra Connect is not configured: $((Get-SyncProblems) -join '; ')" }
Write-Output "Entra Connect is configured: AD connector $ForestFqdn, Entra ID connector, password hash sync on"
exit 0
