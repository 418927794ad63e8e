<#
.SYNOPSIS
  Waits, bounded, for the one-time Entra Connect wizard to be completed on this server, and
  prints the exact wizard choices if it is not done in time. Changes nothing.

  Microsoft does not support configuring Entra Connect without its wizard
  (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-faq), and no
  documented cmdlet creates the sync engine, its connectors or the Entra ID sync account. So the
  one-time connection is made in the wizard, while `pulumi up` goes on with everything that does
  not need it (the ConfigMgr site installs meanwhile); when the time is up this fails with the
  choices, and the next `pulumi up` runs it again.

  Why no ADSync cmdlet here: they need membership of ADSyncAdmins, which the wizard gives the
  signed-in account only after this run command has logged on, and a logon token does not pick
  up a new group. So completion is read from signs that need no rights: the ADSync service runs,
  the wizard has written its Applied-SynchronizationPolicy-*.json to %ProgramData%\AADConnect
  (https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-import-export-config)
  and no wizard process is left. entra-connect-verify.ps1, a new run command with a new logon,
  then checks the connectors, password hash sync and staging mode.
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

    # Minutes this round waits: a whole number above 0 (checked here, so a malformed value
    # names the parameter instead of failing in a cast or ending the round at once).
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]*$')]
    [string] $WaitMinutes,

    # 'true' only in the last round; anything else would pass a last round that timed out.
    [Parameter(Mandatory = $true)]
    [ValidateSet('true', 'false')]
    [string] $LastRound
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-configure failed: $_" -ErrorAction Continue
    exit 1
}

function Get-WizardState {
    $service = Get-Service -Name ADSync -ErrorAction SilentlyContinue
    if ($null -eq $service) { return 'the sync engine is not installed: the wizard has not been run' }
    if ($service.Status -ne 'Running') { return "the ADSync service is $($service.Status)" }
    $policies = @(Get-ChildItem -Path (Join-Path $env:ProgramData 'AADConnect') -Filter 'Applied-SynchronizationPolicy-*.json' -ErrorAction SilentlyContinue)
    if ($policies.Count -eq 0) { return 'the wizard has not applied a configuration yet' }
    if (@(Get-Process -Name AzureADConnect -ErrorAction SilentlyContinue).Count -gt 0) { return 'the wizard is still open' }
    return ''
}

function Test-WizardCompleted {
    return ((Get-WizardState) -eq '')
}

$ous = ($ExpectedOuDns -split ';') -join ' and '
$steps = @(
    "Entra Connect is installed on $env:COMPUTERNAME but not configured yet. Complete its wizard once; pulumi up notices within a minute and goes on (this check waits in rounds of $WaitMinutes minutes; after its last round it fails with these choices, and the next pulumi up waits one more round):",
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
while (-not (Test-WizardCompleted)) {
    if ((Get-Date) -gt $deadline) {
        foreach ($line in $steps) { Write-Output $line }
        if ($LastRound -ne 'true') {
            # One run command may not run past Azure's 90 minutes: the next round waits on.
            Write-Output "Still waiting after $WaitMinutes minutes ($(Get-WizardState)); the next round of this check waits on"
            exit 0
        }
        throw "Entra Connect is still not configured after this check's last round ($(Get-WizardState)). Complete the wizard as above, then run pulumi up again."
    }
    Start-Sleep -Seconds 60
}

if (-not (Test-WizardCompleted)) { throw "the Entra Connect wizard has not completed: $(Get-WizardState)" }
Write-Output 'The Entra Connect wizard has applied its configuration; entra-connect-verify.ps1 checks it next'
exit 0
