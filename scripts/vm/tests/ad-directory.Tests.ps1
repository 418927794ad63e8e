# ad-directory.ps1: the lab's OUs under the domain root (the Workstations, Servers and users OUs
# given), the tenant's domain as UPN suffix, the demo users in the users OU with the password given,
# and their group; a second run creates nothing; everything read back from the directory.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Domain = 'DC=corp,DC=cmglab,DC=example'
    $script:UsersOu = "OU=LabUsers,$Domain"
    $script:Params = @{
        DomainDn = $Domain
        Ous = 'Workstations,Servers,LabUsers'
        UsersOuDn = $UsersOu
        UpnSuffix = 'contoso.onmicrosoft.com'
        DemoUsers = 'labuser01,labuser02'
        GroupName = 'CMG Lab Users'
        DemoUserPassword = 'Demo!Pass-123'
    }

    # The directory: OU DNs, the forest's UPN suffixes, users by sAMAccountName, groups by DN.
    function Set-Directory {
        param([string[]] $Ous = @(), [string[]] $Suffixes = @())
        $global:Ad = @{ Ous = [System.Collections.Generic.List[string]]::new(); Suffixes = @($Suffixes); Users = @{}; Groups = @{} }
        foreach ($dn in $Ous) { $global:Ad.Ous.Add($dn) }
    }
    function Add-User {
        param([string] $Sam, [string] $Ou, [string] $Upn, [bool] $Enabled = $true)
        $global:Ad.Users[$Sam] = @{ Dn = "CN=$Sam,$Ou"; Upn = $Upn; Enabled = $Enabled; Password = 'old' }
    }
    function Add-Group {
        param([string] $Name, [string] $Ou, [string[]] $MemberSams = @())
        $global:Ad.Groups["CN=$Name,$Ou"] = @{ Name = $Name; Members = [System.Collections.Generic.List[string]]::new() }
        foreach ($s in $MemberSams) { $global:Ad.Groups["CN=$Name,$Ou"].Members.Add($global:Ad.Users[$s].Dn) }
    }
    function Set-Complete {
        # Everything the default parameters ask for, as a first run leaves it.
        Set-Directory -Ous @("OU=Workstations,$Domain", "OU=Servers,$Domain", $UsersOu) -Suffixes @('contoso.onmicrosoft.com')
        Add-User -Sam 'labuser01' -Ou $UsersOu -Upn 'labuser01@contoso.onmicrosoft.com'
        Add-User -Sam 'labuser02' -Ou $UsersOu -Upn 'labuser02@contoso.onmicrosoft.com'
        Add-Group -Name 'CMG Lab Users' -Ou $UsersOu -MemberSams @('labuser01', 'labuser02')
    }
    # An LDAP filter value as the directory reads it: unescaped parentheses or asterisks break the
    # filter (or turn into wildcards), RFC 4515 escapes are decoded.
    function Read-FilterValue {
        param([string] $Filter, [string] $Attribute)
        if ($Filter -notmatch "^\($Attribute=(.*)\)$") { throw "unexpected filter $Filter" }
        $raw = $Matches[1]
        if ($raw -match '[()*]') { throw 'The search filter cannot be recognized' }
        return $raw.Replace('\28', '(').Replace('\29', ')').Replace('\2a', '*').Replace('\5c', '\')
    }
    function ConvertTo-UserObject {
        param([string] $Sam)
        $u = $global:Ad.Users[$Sam]
        [pscustomobject]@{ SamAccountName = $Sam; DistinguishedName = $u.Dn; UserPrincipalName = $u.Upn; Enabled = $u.Enabled; memberOf = @() }
    }
}

Describe 'ad-directory.ps1' {
    BeforeEach {
        Mock Import-Module { } -ParameterFilter { "$Name" -eq 'ActiveDirectory' }
        Mock Get-ADOrganizationalUnit {
            $name = Read-FilterValue -Filter $LDAPFilter -Attribute 'ou'
            $dn = "OU=$name,$SearchBase"
            if ($SearchScope -eq 'OneLevel' -and $global:Ad.Ous -contains $dn) { [pscustomobject]@{ Name = $name; DistinguishedName = $dn } }
        }
        Mock New-ADOrganizationalUnit {
            if ($Path -ne $Domain) { throw "Directory object not found - $Path" }
            $global:Ad.Ous.Add("OU=$Name,$Path")
        }
        Mock Get-ADForest { [pscustomobject]@{ Name = 'corp.cmglab.example'; UPNSuffixes = @($global:Ad.Suffixes) } }
        Mock Set-ADForest { $global:Ad.Suffixes += @($UPNSuffixes['Add']) }
        Mock Get-ADUser {
            $sam = Read-FilterValue -Filter $LDAPFilter -Attribute 'sAMAccountName'
            if ($global:Ad.Users.ContainsKey($sam)) { ConvertTo-UserObject -Sam $sam }
        }
        Mock New-ADUser {
            if ($global:Ad.Ous -notcontains $Path) { throw "Directory object not found - $Path" }
            $global:Ad.Users[$SamAccountName] = @{
                Dn = "CN=$Name,$Path"; Upn = $UserPrincipalName; Enabled = [bool] $Enabled; Display = $DisplayName
                Password = [System.Net.NetworkCredential]::new('', $AccountPassword).Password; NeverExpires = [bool] $PasswordNeverExpires
            }
        }
        Mock Set-ADUser {
            $entry = @($global:Ad.Users.Values | Where-Object { $_.Dn -eq $Identity })[0]
            if ($PesterBoundParameters.ContainsKey('UserPrincipalName')) { $entry.Upn = $UserPrincipalName }
            if ($PesterBoundParameters.ContainsKey('Enabled')) { $entry.Enabled = [bool] $Enabled }
        }
        Mock Get-ADGroup {
            $name = Read-FilterValue -Filter $LDAPFilter -Attribute 'cn'
            $dn = "CN=$name,$SearchBase"
            if ($SearchScope -eq 'OneLevel' -and $global:Ad.Groups.ContainsKey($dn)) { [pscustomobject]@{ Name = $name; DistinguishedName = $dn; member = @($global:Ad.Groups[$dn].Members) } }
        }
        Mock New-ADGroup {
            if ($global:Ad.Ous -notcontains $Path) { throw "Directory object not found - $Path" }
            $global:Ad.Groups["CN=$Name,$Path"] = @{ Name = $Name; Sam = $SamAccountName; Scope = "$GroupScope"; Category = "$GroupCategory"; Members = [System.Collections.Generic.List[string]]::new() }
        }
        Mock Add-ADGroupMember { foreach ($m in $Members) { $global:Ad.Groups[$Identity].Members.Add($m) } }
    }

    It 'creates exactly the OUs given under the domain root, the UPN suffix, the users in the users OU and their group' {
        Set-Directory
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADOrganizationalUnit -Times 3 -Exactly
        foreach ($ou in 'Workstations', 'Servers', 'LabUsers') {
            Should -Invoke New-ADOrganizationalUnit -Times 1 -Exactly -ParameterFilter { $Name -ceq $ou -and $Path -ceq $Domain }
        }
        @($global:Ad.Ous) | Should -Be @("OU=Workstations,$Domain", "OU=Servers,$Domain", $UsersOu)
        $global:Ad.Suffixes | Should -Be @('contoso.onmicrosoft.com')
        @($global:Ad.Users.Keys | Sort-Object) | Should -Be @('labuser01', 'labuser02')
        foreach ($sam in 'labuser01', 'labuser02') {
            $u = $global:Ad.Users[$sam]
            $u.Dn | Should -BeExactly "CN=$sam,$UsersOu"
            $u.Upn | Should -BeExactly "$sam@contoso.onmicrosoft.com"
            $u.Enabled | Should -BeTrue
            $u.Password | Should -BeExactly 'Demo!Pass-123'
        }
        $g = $global:Ad.Groups["CN=CMG Lab Users,$UsersOu"]
        $g.Sam | Should -BeExactly 'CMG Lab Users'
        $g.Scope | Should -Be 'Global'
        $g.Category | Should -Be 'Security'
        @($g.Members) | Should -Be @("CN=labuser01,$UsersOu", "CN=labuser02,$UsersOu")
    }

    It 'creates nothing on a second run' {
        Set-Complete
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'OUs, UPN suffix contoso.onmicrosoft.com, 2 demo users and CMG Lab Users already in place'
        foreach ($c in 'New-ADOrganizationalUnit', 'Set-ADForest', 'New-ADUser', 'Set-ADUser', 'New-ADGroup', 'Add-ADGroupMember') {
            Should -Invoke $c -Times 0 -Exactly
        }
    }

    It 'corrects a demo user with another UPN or disabled, without resetting its password, and adds it to the group' {
        Set-Complete
        $global:Ad.Users['labuser02'].Upn = 'labuser02@corp.cmglab.example'
        $global:Ad.Users['labuser02'].Enabled = $false
        $global:Ad.Groups["CN=CMG Lab Users,$UsersOu"].Members.Remove("CN=labuser02,$UsersOu")
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-ADUser -Times 1 -Exactly -ParameterFilter { $Identity -eq "CN=labuser02,$UsersOu" -and $UserPrincipalName -eq 'labuser02@contoso.onmicrosoft.com' -and $Enabled -eq $true }
        Should -Invoke New-ADUser -Times 0 -Exactly
        $global:Ad.Users['labuser02'].Password | Should -Be 'old'
        @($global:Ad.Groups["CN=CMG Lab Users,$UsersOu"].Members) | Should -Contain "CN=labuser02,$UsersOu"
    }

    It 'refuses an account of a demo user name outside the users OU' {
        Set-Complete
        Add-User -Sam 'labuser02' -Ou "CN=Users,$Domain" -Upn 'labuser02@contoso.onmicrosoft.com'
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the account labuser02 exists outside $UsersOu (CN=labuser02,CN=Users,$Domain); move or delete it"))
        Should -Invoke Set-ADUser -Times 0 -Exactly
    }

    It 'fails naming the user that is missing after New-ADUser' {
        Set-Directory
        Mock New-ADUser { } -ParameterFilter { $SamAccountName -eq 'labuser02' }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('demo user labuser02 missing'))
    }

    It 'fails naming the UPN suffix when Set-ADForest did not add it' {
        Set-Directory
        Mock Set-ADForest { }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('UPN suffix contoso.onmicrosoft.com missing from the forest'))
    }

    It 'fails naming the OU that is missing after New-ADOrganizationalUnit' {
        Set-Complete
        $global:Ad.Ous.Remove("OU=Servers,$Domain")
        Mock New-ADOrganizationalUnit { }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("OU=Servers missing under $Domain"))
    }

    It 'fails naming the group when New-ADGroup did not create it' {
        Set-Directory
        Mock New-ADGroup { }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("group CMG Lab Users missing in $UsersOu"))
        Should -Invoke Add-ADGroupMember -Times 0 -Exactly
    }

    It 'fails naming the group members that are missing after Add-ADGroupMember' {
        Set-Complete
        $global:Ad.Groups["CN=CMG Lab Users,$UsersOu"].Members.Clear()
        Mock Add-ADGroupMember { }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('group CMG Lab Users lacks labuser01, labuser02'))
    }

    It 'receives OU, user, group names and the password with awkward characters intact' {
        Set-Directory
        $ou = "Lab [Users] (é) 'x' `$y %z% *"
        $sam = "Zoë O'N (1) `$a %b%"
        $group = "CMG (Lab) é `$g %h% *"
        $p = $Params.Clone()
        $p.Ous = "Workstations, $ou"; $p.UsersOuDn = "OU=$ou,$Domain"; $p.DemoUsers = "labuser01,$sam"; $p.GroupName = $group
        $p.DemoUserPassword = $LabAwkwardText
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADOrganizationalUnit -Times 1 -Exactly -ParameterFilter { $Name -ceq $ou -and $Path -ceq $Domain }
        $global:Ad.Users[$sam].Dn | Should -BeExactly "CN=$sam,OU=$ou,$Domain"
        $global:Ad.Users[$sam].Upn | Should -BeExactly "$sam@contoso.onmicrosoft.com"
        $global:Ad.Users[$sam].Password | Should -BeExactly $LabAwkwardText
        $global:Ad.Users['labuser01'].Password | Should -BeExactly $LabAwkwardText
        @($global:Ad.Groups["CN=$group,OU=$ou,$Domain"].Members) | Should -Be @("CN=labuser01,OU=$ou,$Domain", "CN=$sam,OU=$ou,$Domain")
        # And a second run over that directory creates nothing.
        $r2 = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $p
        $r2.ExitCode | Should -Be 0 -Because $r2.Text
        Should -Invoke New-ADUser -Times 2 -Exactly
        Should -Invoke Set-ADUser -Times 0 -Exactly
    }

    It 'stops before any change when <Name> is <Case>' -ForEach @(
        @{ Name = 'DomainDn'; Case = 'missing'; Value = $null; Message = 'DomainDn' }
        @{ Name = 'DemoUserPassword'; Case = 'empty'; Value = ''; Message = 'DemoUserPassword' }
        @{ Name = 'UsersOuDn'; Case = 'not one of the OUs given'; Value = 'OU=Elsewhere,DC=corp,DC=cmglab,DC=example'; Message = "UsersOuDn 'OU=Elsewhere,DC=corp,DC=cmglab,DC=example' is not one of the OUs given in Ous (OU=<name>,DC=corp,DC=cmglab,DC=example)" }
        @{ Name = 'DemoUsers'; Case = 'only commas'; Value = ' , ,'; Message = 'DemoUsers names no user' }
        @{ Name = 'Ous'; Case = 'only commas'; Value = ','; Message = 'UsersOuDn' }
    ) {
        Set-Directory
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'ad-directory.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match ([regex]::Escape($Message))
        foreach ($c in 'New-ADOrganizationalUnit', 'Set-ADForest', 'New-ADUser', 'New-ADGroup') {
            Should -Invoke $c -Times 0 -Exactly
        }
    }
}
