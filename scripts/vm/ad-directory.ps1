<#
.SYNOPSIS
  Creates the lab's OUs under the domain root, adds the tenant's domain as a UPN suffix of the
  forest, and creates the demo users (UPN <name>@<tenant domain>, so they sign in to Entra ID
  once synced) in the users OU, members of the demo group. Idempotent: existing objects are
  kept (an existing user's password is not reset), wrong UPNs are corrected; everything is read
  back. Runs on the DC as LocalSystem, which has full control of the directory there.
  Set-ADForest -UPNSuffixes: https://learn.microsoft.com/powershell/module/activedirectory/set-adforest
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $DomainDn,

    # OU names separated by commas (an OU name cannot contain one: the config loader refuses it).
    [Parameter(Mandatory = $true)]
    [string] $Ous,

    [Parameter(Mandatory = $true)]
    [string] $UsersOuDn,

    [Parameter(Mandatory = $true)]
    [string] $UpnSuffix,

    # sAMAccountNames separated by commas.
    [Parameter(Mandatory = $true)]
    [string] $DemoUsers,

    [Parameter(Mandatory = $true)]
    [string] $GroupName,

    [Parameter(Mandatory = $true)]
    [string] $DemoUserPassword
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "ad-directory failed: $_" -ErrorAction Continue
    exit 1
}

Import-Module ActiveDirectory

$ouNames = @($Ous -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
$userNames = @($DemoUsers -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })

function ConvertTo-LdapValue {
    param(
        [string] $Value
    )
    # RFC 4515 escapes for a value inside an LDAP filter.
    return $Value.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29')
}

function Test-Ou {
    param(
        [string] $Name
    )
    $found = Get-ADOrganizationalUnit -LDAPFilter "(ou=$(ConvertTo-LdapValue -Value $Name))" -SearchBase $DomainDn -SearchScope OneLevel
    return ($null -ne $found)
}

function Test-UpnSuffix {
    $forest = Get-ADForest
    return (@($forest.UPNSuffixes) -contains $UpnSuffix)
}

function Get-DemoUser {
    param(
        [string] $Sam
    )
    return Get-ADUser -LDAPFilter "(sAMAccountName=$Sam)" -Properties 'userPrincipalName', 'memberOf'
}

function Test-DemoUser {
    param(
        [string] $Sam
    )
    $user = Get-DemoUser -Sam $Sam
    if ($null -eq $user) { return $false }
    return ($user.UserPrincipalName -eq "$Sam@$UpnSuffix") -and ($user.DistinguishedName -like "*,$UsersOuDn") -and $user.Enabled
}

function Get-DemoGroup {
    return Get-ADGroup -LDAPFilter "(cn=$(ConvertTo-LdapValue -Value $GroupName))" -SearchBase $UsersOuDn -SearchScope OneLevel -Properties 'member'
}

function Test-DemoGroup {
    return ($null -ne (Get-DemoGroup))
}

function Test-GroupMembers {
    $group = Get-DemoGroup
    if ($null -eq $group) { return $false }
    foreach ($sam in $userNames) {
        $user = Get-DemoUser -Sam $sam
        if (($null -eq $user) -or (@($group.member) -notcontains $user.DistinguishedName)) { return $false }
    }
    return $true
}

function Test-Directory {
    foreach ($ou in $ouNames) { if (-not (Test-Ou -Name $ou)) { return $false } }
    if (-not (Test-UpnSuffix)) { return $false }
    foreach ($sam in $userNames) { if (-not (Test-DemoUser -Sam $sam)) { return $false } }
    return (Test-GroupMembers)
}

if (Test-Directory) {
    Write-Output "OUs, UPN suffix $UpnSuffix, $($userNames.Count) demo users and $GroupName already in place"
    exit 0
}

foreach ($ou in $ouNames) {
    if (-not (Test-Ou -Name $ou)) {
        Write-Output "Creating OU=$ou"
        New-ADOrganizationalUnit -Name $ou -Path $DomainDn
    }
}

if (-not (Test-UpnSuffix)) {
    Write-Output "Adding the UPN suffix $UpnSuffix"
    Set-ADForest -Identity (Get-ADForest) -UPNSuffixes @{ Add = $UpnSuffix }
}

$secure = ConvertTo-SecureString -String $DemoUserPassword -AsPlainText -Force
foreach ($sam in $userNames) {
    if (-not (Test-DemoUser -Sam $sam)) {
        $user = Get-DemoUser -Sam $sam
        if ($null -eq $user) {
            Write-Output "Creating the demo user $sam@$UpnSuffix"
            New-ADUser -Name $sam -SamAccountName $sam -UserPrincipalName "$sam@$UpnSuffix" -DisplayName "Lab user $sam" -Path $UsersOuDn -AccountPassword $secure -Enabled $true -PasswordNeverExpires $true
        } elseif ($user.DistinguishedName -notlike "*,$UsersOuDn") {
            throw "the account $sam exists outside $UsersOuDn ($($user.DistinguishedName)); move or delete it"
        } else {
            Write-Output "Correcting the demo user $sam (UPN $sam@$UpnSuffix, enabled)"
            Set-ADUser -Identity $user.DistinguishedName -UserPrincipalName "$sam@$UpnSuffix" -Enabled $true
        }
    }
}

if (-not (Test-DemoGroup)) {
    Write-Output "Creating the group $GroupName"
    New-ADGroup -Name $GroupName -SamAccountName $GroupName -GroupScope Global -GroupCategory Security -Path $UsersOuDn -Description 'cmg-lab demo users'
}
if (-not (Test-GroupMembers)) {
    $members = @($userNames | ForEach-Object { (Get-DemoUser -Sam $_).DistinguishedName })
    Add-ADGroupMember -Identity (Get-DemoGroup).DistinguishedName -Members $members
}

if (-not (Test-Directory)) { throw 'the OUs, UPN suffix, demo users or group differ from what was asked after the changes' }
Write-Output "OUs $($ouNames -join ', '), UPN suffix $UpnSuffix, demo users $($userNames -join ', ') in $GroupName"
exit 0
