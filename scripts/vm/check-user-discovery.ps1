<#
.SYNOPSIS
  Reports, for the ConfigMgr user records matching a user name, which side of discovery each
  has: the AD side (field SID, from Active Directory user discovery) and the Entra side (field
  AADUserID, the Entra object id, with AADTenantID, from Azure AD user discovery). A user is
  "completely discovered" only with both (CCM_STS.log otherwise says it "is not completely
  discovered" and the CMG token request fails). Waits, bounded, until a matching user has the
  required side(s), and fails naming the missing field. Changes nothing.
  -UserName: a sAMAccountName, or * for any user. -Require: ad, entra or both.
  Field names of SMS_R_User: UNCONFIRMED in the ConfigMgr SDK reference (current branch class).
  The verify step maps a missing field to its runbook step with stacks/site.ts missingDiscoverySteps.
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
    throw "no ConfigMgr user record matching '$UserName' has the $Require side of discovery after $minutes minutes (fields: SID = AD user discovery, AADUserID = Azure AD user discovery; see adusrdis.log and SMS_AZUREAD_DISCOVERY_AGENT.log)"
}
exit 0
