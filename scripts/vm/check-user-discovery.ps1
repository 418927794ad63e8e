<#
.SYNOPSIS
  Reports, for the ConfigMgr user records matching a user name, which side of discovery each
  has: the AD side (field SID, from Active Directory user discovery) and the Entra side (field
  AADUserID, the Entra object id, with AADTenantID, from Azure AD user discovery). A user is
  "completely discovered" only with both (CCM_STS.log otherwise says it "is not completely
  discovered" and the CMG token request fails). Waits, bounded, until a matching user has the
  required side(s), and fails naming the missing field. Changes nothing.
  -UserName: a sAMAccountName, or * for any user. -Require: ad, entra or both.
  A missing side is reported as the missed runbook step: SID -> ad-user-discovery, AADUserID ->
  aad-user-discovery (the failure message names it; `npm run diagnose` reads it too).
  Field names of SMS_R_User: SID and AADUserID as used in practice (checked-facts.md),
  AADTenantID UNCONFIRMED. Also UNCONFIRMED: whether Azure AD user discovery alone (which reads
  onPremisesSecurityIdentifier) can fill SID; if it can, a record with both fields does not prove
  that AD user discovery ran, and site-discovery.ps1's read-back of the AD user discovery setting
  is the check that does.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $UserName,

    [Parameter(Mandatory = $true)]
    [ValidateSet('ad', 'entra', 'both')]
    [string] $Require,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "check-user-discovery failed: $_" -ErrorAction Continue
    exit 1
}

function Get-UserRecords {
    param(
        [string] $Code,
        [string] $Name
    )
    $all = @(Get-CimInstance -Namespace "root\SMS\site_$Code" -ClassName 'SMS_R_User')
    if ($Name -ne '*') { $all = @($all | Where-Object { $_.UserName -eq $Name }) }
    return $all | ForEach-Object {
        [pscustomobject] @{
            UserName          = [string] $_.UserName
            UserPrincipalName = [string] $_.UserPrincipalName
            SID               = [string] $_.SID
            AADUserID         = [string] $_.AADUserID
            AADTenantID       = [string] $_.AADTenantID
        }
    }
}

function Test-RecordComplete {
    param(
        [object] $Record,
        [string] $Need
    )
    $hasAd = -not [string]::IsNullOrWhiteSpace($Record.SID)
    $hasEntra = -not [string]::IsNullOrWhiteSpace($Record.AADUserID)
    switch ($Need) {
        'ad' { return $hasAd }
        'entra' { return $hasEntra }
        default { return ($hasAd -and $hasEntra) }
    }
}

function Test-AnyComplete {
    param(
        [string] $Code,
        [string] $Name,
        [string] $Need
    )
    $complete = @(Get-UserRecords -Code $Code -Name $Name | Where-Object { Test-RecordComplete -Record $_ -Need $Need })
    return ($complete.Count -gt 0)
}

function Get-MissedStepText {
    param(
        [object[]] $Records,
        [string] $Need
    )
    # Per side, in runbook order: the step that fills it and what its absence does.
    $sides = @(
        @{ Side = 'ad'; Field = 'SID'; Step = 'ad-user-discovery'; Text = 'Active Directory user discovery left SID empty: CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log' }
        @{ Side = 'entra'; Field = 'AADUserID'; Step = 'aad-user-discovery'; Text = 'Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log' }
    )
    $missed = @()
    foreach ($side in $sides) {
        if (($Need -ne 'both') -and ($Need -ne $side.Side)) { continue }
        # A side is missed when no matching record has it (or there is no record at all).
        $found = @($Records | Where-Object { -not [string]::IsNullOrWhiteSpace($_.($side.Field)) })
        if ($found.Count -eq 0) { $missed += "$($side.Step) ($($side.Text))" }
    }
    if ($missed.Count -eq 0) { return 'no single record has both sides: the two discoveries made separate records (check that the user is synced by Entra Connect)' }
    $label = if ($missed.Count -eq 1) { 'missed step' } else { 'missed steps' }
    return "$($label): $($missed -join '; ')"
}

function Write-Report {
    param(
        [string] $Code,
        [string] $Name
    )
    $records = @(Get-UserRecords -Code $Code -Name $Name)
    if ($records.Count -eq 0) { Write-Output "no ConfigMgr user record matches '$Name'" }
    foreach ($r in $records) {
        $missing = @()
        if ([string]::IsNullOrWhiteSpace($r.SID)) { $missing += 'SID (ad-user-discovery)' }
        if ([string]::IsNullOrWhiteSpace($r.AADUserID)) { $missing += 'AADUserID (aad-user-discovery)' }
        $state = if ($missing.Count -eq 0) { 'complete' } else { "missing $($missing -join ', ')" }
        Write-Output "UserName=$($r.UserName); UserPrincipalName=$($r.UserPrincipalName); SID=$($r.SID); AADUserID=$($r.AADUserID); AADTenantID=$($r.AADTenantID); $state"
    }
}

$minutes = [int] $WaitMinutes
$deadline = (Get-Date).AddMinutes($minutes)
while (-not (Test-AnyComplete -Code $SiteCode -Name $UserName -Need $Require)) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 60
}

Write-Report -Code $SiteCode -Name $UserName
if (-not (Test-AnyComplete -Code $SiteCode -Name $UserName -Need $Require)) {
    $missedText = Get-MissedStepText -Records @(Get-UserRecords -Code $SiteCode -Name $UserName) -Need $Require
    throw "no ConfigMgr user record matching '$UserName' has the $Require side of discovery after $minutes minutes; $missedText"
}
exit 0
