<#
.SYNOPSIS
  Prepares Active Directory for the ConfigMgr site, from the site server as the domain admin (a
  Schema Admin): extends the schema with extadsch.exe from the ConfigMgr media, creates the
  System Management container under CN=System and gives the site server's computer account Full
  Control on it, this object and all descendants. Idempotent: an extended schema and an existing
  container with the right permission are left alone.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/network/extend-the-active-directory-schema
  https://learn.microsoft.com/mem/configmgr/core/plan-design/network/extend-the-active-directory-schema#step-2-create-the-system-management-container
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $MediaRoot,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^DC=[^,]+(,DC=[^,]+)*$')]
    [string] $DomainDn,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[^\\]+\\[^\\]+$')]
    [string] $SiteServerAccount
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-ad-prep failed: $_" -ErrorAction Continue
    exit 1
}

# GenericAll and "this object and all descendants" (ActiveDirectoryRights.GenericAll,
# ActiveDirectorySecurityInheritance.All), compared as numbers and names so the check reads the
# same whatever type the rule's properties come as.
$GenericAll = 983551

# Thin wrappers, one directory call each.
function Get-SchemaDn {
    $rootDse = New-Object System.DirectoryServices.DirectoryEntry ('LDAP://RootDSE')
    return [string] $rootDse.Properties['schemaNamingContext'].Value
}

function Test-DirectoryObject {
    param(
        [string] $Path
    )
    return [System.DirectoryServices.DirectoryEntry]::Exists($Path)
}

function Get-AccountSid {
    param(
        [string] $Account
    )
    $nt = New-Object System.Security.Principal.NTAccount ($Account)
    return $nt.Translate([System.Security.Principal.SecurityIdentifier])
}

function Get-DirectoryAccessRule {
    param(
        [string] $Path
    )
    $entry = New-Object System.DirectoryServices.DirectoryEntry ($Path)
    return @($entry.ObjectSecurity.GetAccessRules($true, $false, [System.Security.Principal.SecurityIdentifier]))
}

function New-DirectoryContainer {
    param(
        [string] $ParentPath,
        [string] $Name
    )
    $parent = New-Object System.DirectoryServices.DirectoryEntry ($ParentPath)
    $created = $parent.Children.Add($Name, 'container')
    $created.CommitChanges()
}

function Add-DirectoryFullControl {
    param(
        [string] $Path,
        $Sid
    )
    $entry = New-Object System.DirectoryServices.DirectoryEntry ($Path)
    $rule = New-Object System.DirectoryServices.ActiveDirectoryAccessRule (
        $Sid,
        [System.DirectoryServices.ActiveDirectoryRights]::GenericAll,
        [System.Security.AccessControl.AccessControlType]::Allow,
        [System.DirectoryServices.ActiveDirectorySecurityInheritance]::All)
    $entry.ObjectSecurity.AddAccessRule($rule)
    $entry.CommitChanges()
}

$systemPath = "LDAP://CN=System,$DomainDn"
$containerPath = "LDAP://CN=System Management,CN=System,$DomainDn"

function Test-SchemaExtended {
    # extadsch.exe adds the MS-SMS-* classes and attributes, among them MS-SMS-Site-Code.
    return (Test-DirectoryObject -Path "LDAP://CN=MS-SMS-Site-Code,$(Get-SchemaDn)")
}

function Test-SystemManagementDelegated {
    if (-not (Test-DirectoryObject -Path $containerPath)) { return $false }
    $sid = Get-AccountSid -Account $SiteServerAccount
    $match = @(Get-DirectoryAccessRule -Path $containerPath | Where-Object {
            ([string] $_.IdentityReference -eq [string] $sid) -and
            ([string] $_.AccessControlType -eq 'Allow') -and
            (([int] $_.ActiveDirectoryRights -band $GenericAll) -eq $GenericAll) -and
            ([string] $_.InheritanceType -eq 'All')
        })
    return ($match.Count -gt 0)
}

if (-not (Test-SchemaExtended)) {
    $extadsch = Join-Path $MediaRoot 'ConfigMgr\Media\SMSSETUP\BIN\X64\extadsch.exe'
    if (-not (Test-Path -LiteralPath $extadsch)) { throw "extadsch.exe not found at $extadsch (is the site-media step done?)" }
    Write-Output "Extending the AD schema with $extadsch"
    $p = Start-Process -FilePath $extadsch -Wait -PassThru -NoNewWindow
    $log = Join-Path $env:SystemDrive 'ExtADSch.log'
    if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log -Tail 5 | Write-Output }
    if ($p.ExitCode -ne 0) { throw "extadsch.exe exited with code $($p.ExitCode); see $log (the account needs Schema Admins)" }
}

if (-not (Test-SystemManagementDelegated)) {
    if (-not (Test-DirectoryObject -Path $containerPath)) {
        Write-Output "Creating $containerPath"
        New-DirectoryContainer -ParentPath $systemPath -Name 'CN=System Management'
    }
    Write-Output "Granting $SiteServerAccount Full Control on CN=System Management (this object and descendants)"
    Add-DirectoryFullControl -Path $containerPath -Sid (Get-AccountSid -Account $SiteServerAccount)
}

if (-not (Test-SchemaExtended)) {
    throw 'the AD schema is not extended (no MS-SMS-Site-Code class after extadsch.exe): see C:\ExtADSch.log'
}
if (-not (Test-SystemManagementDelegated)) {
    throw "CN=System Management,CN=System,$DomainDn does not give $SiteServerAccount Full Control on this object and all descendants: the site cannot publish to AD"
}
Write-Output 'AD schema extended; System Management container delegated'
exit 0
