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

$ouNames = @($Ous -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
$userNames = @($DemoUsers -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })

# Checked before anything changes: the users (and their group) go into one of the OUs made here.
if ($userNames.Count -eq 0) { throw "DemoUsers names no user: '$DemoUsers'" }
$ouDns = @($ouNames | ForEach-Object { "OU=$_,$DomainDn" })
if (@($ouDns | Where-Object { $_ -eq $UsersOuDn }).Count -eq 0) {
    throw "UsersOuDn '$UsersOuDn' is not one of the OUs given in Ous (OU=<name>,$DomainDn): $($ouDns -join '; ')"
}

Import-Module ActiveDirectory

function ConvertTo-LdapValue {
    param(
        [string] $Value
    )
    # RFC 4515 escapes for a value inside an LDAP filter.
    return $Value.Replace('\', '\5c').Replace('*', '\2a').Replace('(', '\28').Replace(')', '\29')
}

function Test-InUsersOu {
    # The parent is exactly the users OU. Not -like: an OU name may hold the wildcards [ ] * ?.
    param(
        [string] $Dn
    )
    return $Dn.EndsWith(",$UsersOuDn", [System.StringComparison]::OrdinalIgnoreCase)
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
    return Get-ADUser -LDAPFilter "(sAMAccountName=$(ConvertTo-LdapValue -Value $Sam))" -Properties 'userPrincipalName', 'memberOf'
}

function Test-DemoUser {
    param(
        [string] $Sam
    )
    $user = Get-DemoUser -Sam $Sam
    if ($null -eq $user) { return $false }
    return ($user.UserPrincipalName -eq "$Sam@$UpnSuffix") -and (Test-InUsersOu -Dn $user.DistinguishedName) -and $user.Enabled
}

function Get-DemoGroup {
    return Get-ADGroup -LDAPFilter "(cn=$(ConvertTo-LdapValue -Value $GroupName))" -SearchBase $UsersOuDn -SearchScope OneLevel -Properties 'member'
}

function Test-DemoGroup {
    return ($null -ne (Get-DemoGroup))
}

function Get-MissingMember {
    # The demo users that exist but are not in the group (all of them when there is no group).
    $group = Get-DemoGroup
    $missing = @()
    foreach ($sam in $userNames) {
        $user = Get-DemoUser -Sam $sam
        if (($null -eq $group) -or ($null -eq $user) -or (@($group.member) -notcontains $user.DistinguishedName)) { $missing += $sam }
    }
    return $missing
}

function Test-GroupMembers {
    return ((Test-DemoGroup) -and (@(Get-MissingMember).Count -eq 0))
}

function Get-DirectoryProblem {
    # What differs from what was asked, one line each (nothing when all is in place).
    $problems = @()
    foreach ($ou in $ouNames) { if (-not (Test-Ou -Name $ou)) { $problems += "OU=$ou missing under $DomainDn" } }
    if (-not (Test-UpnSuffix)) { $problems += "UPN suffix $UpnSuffix missing from the forest" }
    foreach ($sam in $userNames) {
        $user = Get-DemoUser -Sam $sam
        if ($null -eq $user) {
            $problems += "demo user $sam missing"
        } elseif (-not (Test-DemoUser -Sam $sam)) {
            $problems += "demo user $sam is $($user.DistinguishedName), UPN $($user.UserPrincipalName), enabled $($user.Enabled); expected in $UsersOuDn, UPN $sam@$UpnSuffix, enabled"
        }
    }
    if (-not (Test-DemoGroup)) {
        $problems += "group $GroupName missing in $UsersOuDn"
    } else {
        $missing = @(Get-MissingMember)
        if ($missing.Count -gt 0) { $problems += "group $GroupName lacks $($missing -join ', ')" }
    }
    return $problems
}

function Test-Directory {
    return (@(Get-DirectoryProblem).Count -eq 0)
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
        } elseif (-not (Test-InUsersOu -Dn $user.DistinguishedName)) {
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
if ((Test-DemoGroup) -and -not (Test-GroupMembers)) {
    # Only the users that exist: a missing one is reported by the read-back below, by name.
    $members = @()
    foreach ($sam in @(Get-MissingMember)) {
        $user = Get-DemoUser -Sam $sam
        if ($null -ne $user) { $members += $user.DistinguishedName }
    }
    if ($members.Count -gt 0) {
        Write-Output "Adding $($members.Count) demo user(s) to $GroupName"
        Add-ADGroupMember -Identity (Get-DemoGroup).DistinguishedName -Members $members
    }
}

if (-not (Test-Directory)) {
    throw "after the changes the directory still differs from what was asked: $((Get-DirectoryProblem) -join '; ')"
}
Write-Output "OUs $($ouNames -join ', '), UPN suffix $UpnSuffix, demo users $($userNames -join ', ') in $GroupName"
exit 0
