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
    [string] $DomainDn,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerAccount
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-ad-prep failed: $_" -ErrorAction Continue
    exit 1
}

function Get-SchemaDn {
    $rootDse = New-Object System.DirectoryServices.DirectoryEntry ('LDAP://RootDSE')
    return [string] $rootDse.Properties['schemaNamingContext'].Value
}

function Test-SchemaExtended {
    # extadsch.exe adds the MS-SMS-* classes and attributes, among them MS-SMS-Site-Code.
    return [System.DirectoryServices.DirectoryEntry]::Exists("LDAP://CN=MS-SMS-Site-Code,$(Get-SchemaDn)")
}

function Get-SiteServerSid {
    $account = New-Object System.Security.Principal.NTAccount ($SiteServerAccount)
    return $account.Translate([System.Security.Principal.SecurityIdentifier])
}

function Test-SystemManagementDelegated {
    $path = "LDAP://CN=System Management,CN=System,$DomainDn"
    if (-not [System.DirectoryServices.DirectoryEntry]::Exists($path)) { return $false }
    $container = New-Object System.DirectoryServices.DirectoryEntry ($path)
    $sid = Get-SiteServerSid
    $rules = $container.ObjectSecurity.GetAccessRules($true, $false, [System.Security.Principal.SecurityIdentifier])
    $match = @($rules | Where-Object {
            ($_.IdentityReference -eq $sid) -and
            ($_.AccessControlType -eq 'Allow') -and
            (($_.ActiveDirectoryRights -band [System.DirectoryServices.ActiveDirectoryRights]::GenericAll) -eq [System.DirectoryServices.ActiveDirectoryRights]::GenericAll) -and
            ($_.InheritanceType -eq [System.DirectoryServices.ActiveDirectorySecurityInheritance]::All)
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
    if ($p.ExitCode -ne 0) { throw "extadsch.exe exited with code $($p.ExitCode); see $log" }
}

if (-not (Test-SystemManagementDelegated)) {
    $systemPath = "LDAP://CN=System,$DomainDn"
    $path = "LDAP://CN=System Management,CN=System,$DomainDn"
    if (-not [System.DirectoryServices.DirectoryEntry]::Exists($path)) {
        Write-Output "Creating $path"
        $system = New-Object System.DirectoryServices.DirectoryEntry ($systemPath)
        $created = $system.Children.Add('CN=System Management', 'container')
        $created.CommitChanges()
    }
    Write-Output "Granting $SiteServerAccount Full Control on CN=System Management (this object and descendants)"
    $container = New-Object System.DirectoryServices.DirectoryEntry ($path)
    $rule = New-Object System.DirectoryServices.ActiveDirectoryAccessRule (
        (Get-SiteServerSid),
        [System.DirectoryServices.ActiveDirectoryRights]::GenericAll,
        [System.Security.AccessControl.AccessControlType]::Allow,
        [System.DirectoryServices.ActiveDirectorySecurityInheritance]::All)
    $container.ObjectSecurity.AddAccessRule($rule)
    $container.CommitChanges()
}

if (-not ((Test-SchemaExtended) -and (Test-SystemManagementDelegated))) {
    throw 'the AD schema is not extended or CN=System Management is not delegated to the site server'
}
Write-Output 'AD schema extended; System Management container delegated'
exit 0
