# site-discovery.ps1: Active Directory user discovery on the users OU and system discovery on the
# computer OUs, enabled, read back, and a discovered user waited for. The reference lab's first
# miss (AD user discovery off, so CCM_STS.log says the Entra user "is not completely discovered"
# and the CMG token request fails) is pinned here against the script itself.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Domain = 'DC=corp,DC=cmglab,DC=example'
    $script:UsersDn = "OU=LabUsers,$Domain"
    $script:UsersLdap = "LDAP://$UsersDn"
    $script:WorkstationsLdap = "LDAP://OU=Workstations,$Domain"
    $script:ServersLdap = "LDAP://OU=Servers,$Domain"
    $script:Params = @{
        SiteCode = 'PS1'
        SiteServerFqdn = 'CM01.corp.cmglab.example'
        UsersOuLdap = $UsersLdap
        SystemOusLdap = "$WorkstationsLdap;$ServersLdap"
        WaitMinutes = '30'
    }

    # The site's state: each discovery method's SETTINGS and 'AD Containers' (as the site control
    # file holds them), the users Active Directory holds, and the user records discovery made.
    # Sticks = $false: Set-CMDiscoveryMethod returns but the site keeps the old settings.
    function Set-Site {
        param([bool] $UserOn = $false, [string[]] $UserContainers = @(), [bool] $SystemOn = $false, [string[]] $SystemContainers = @(),
            [object[]] $AdUsers = @(), [object[]] $Records = @(), [int] $LagReads = 0)
        $global:Site = @{
            Methods = @{
                ActiveDirectoryUserDiscovery = @{ On = $UserOn; Containers = @($UserContainers) }
                ActiveDirectorySystemDiscovery = @{ On = $SystemOn; Containers = @($SystemContainers) }
            }
            AdUsers = @($AdUsers)
            Records = @($Records)
            Pending = @()
            LagReads = $LagReads
            Sticks = $true
        }
    }
    function New-AdUser {
        param([string] $Name, [string] $OuDn, [string] $Sid)
        [pscustomobject]@{ UserName = $Name; DistinguishedName = "CN=$Name,$OuDn"; SID = $Sid }
    }
    function New-MethodObject {
        param([string] $Name)
        $m = $global:Site.Methods[$Name]
        # 'AD Containers' holds, per container, its LDAP path followed by its flags.
        $values = @()
        foreach ($c in $m.Containers) { $values += @($c, '0', '0') }
        [pscustomobject]@{
            ItemName = $Name
            Props = @(
                [pscustomobject]@{ PropertyName = 'Enable Incremental Sync'; Value = 1; Value1 = ''; Value2 = '' }
                [pscustomobject]@{ PropertyName = 'SETTINGS'; Value = 0; Value1 = $(if ($m.On) { 'ACTIVE' } else { 'INACTIVE' }); Value2 = '' }
            )
            PropLists = @([pscustomobject]@{ PropertyListName = 'AD Containers'; Values = $values })
        }
    }
}

Describe 'site-discovery.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-CMDiscoveryMethod { New-MethodObject -Name ([string] $Name) }
        Mock Set-CMDiscoveryMethod {
            $method = if ($ActiveDirectoryUserDiscovery) { 'ActiveDirectoryUserDiscovery' } elseif ($ActiveDirectorySystemDiscovery) { 'ActiveDirectorySystemDiscovery' } else { throw 'unexpected discovery method' }
            if (-not $global:Site.Sticks) { return }
            $m = $global:Site.Methods[$method]
            if ($PesterBoundParameters.ContainsKey('Enabled')) { $m.On = [bool] $Enabled }
            foreach ($c in @($AddActiveDirectoryContainer)) { if ($c -and -not ($m.Containers -contains $c)) { $m.Containers += [string] $c } }
        }
        # A discovery run finds the AD users under the containers user discovery is on for.
        Mock Invoke-CMUserDiscovery {
            $m = $global:Site.Methods['ActiveDirectoryUserDiscovery']
            if (-not $m.On) { return }
            foreach ($u in $global:Site.AdUsers) {
                foreach ($c in $m.Containers) {
                    if ($u.DistinguishedName.EndsWith(',' + ($c -replace '^LDAP://', ''), [System.StringComparison]::OrdinalIgnoreCase)) { $global:Site.Pending += $u }
                }
            }
        }
        Mock Invoke-CMSystemDiscovery { }
        Mock Get-CimInstance {
            if ($global:Site.LagReads -gt 0) { $global:Site.LagReads-- } else { $global:Site.Records += $global:Site.Pending; $global:Site.Pending = @() }
            $global:Site.Records
        } -ParameterFilter { $ClassName -eq 'SMS_R_User' -and $Namespace -eq 'root\SMS\site_PS1' }
    }

    It 'turns AD user discovery on for the users OU when it is off (the reference lab''s miss), reads it back and waits for a user' {
        Set-Site -AdUsers @(New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105')
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMDiscoveryMethod -Times 1 -Exactly -ParameterFilter {
            $ActiveDirectoryUserDiscovery -and $SiteCode -eq 'PS1' -and $Enabled -eq $true -and $Recursive -and
            @($AddActiveDirectoryContainer).Count -eq 1 -and $AddActiveDirectoryContainer[0] -ceq 'LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example' -and
            $EnableDeltaDiscovery -eq $true -and $DeltaDiscoveryMins -eq 5
        }
        Should -Invoke Invoke-CMUserDiscovery -Times 1 -Exactly -ParameterFilter { $SiteCode -eq 'PS1' }
        $global:Site.Methods['ActiveDirectoryUserDiscovery'].On | Should -BeTrue
        $global:Site.Methods['ActiveDirectoryUserDiscovery'].Containers | Should -Be @('LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example')
        $r.Output | Should -Contain 'Enabling Active Directory User Discovery on LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example'
    }

    It 'points AD user discovery at the users OU passed in and system discovery at the computer OUs, nowhere else' {
        $p = $Params.Clone()
        $p.UsersOuLdap = "LDAP://OU=Demo People,OU=Lab,$Domain"
        Set-Site -AdUsers @(New-AdUser -Name 'bob' -OuDn "OU=Demo People,OU=Lab,$Domain" -Sid 'S-1-5-21-1-2-3-1106')
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Site.Methods['ActiveDirectoryUserDiscovery'].Containers | Should -Be @("LDAP://OU=Demo People,OU=Lab,$Domain")
        $global:Site.Methods['ActiveDirectorySystemDiscovery'].Containers | Should -Be @($WorkstationsLdap, $ServersLdap)
        Should -Invoke Set-CMDiscoveryMethod -Times 1 -Exactly -ParameterFilter { $ActiveDirectorySystemDiscovery -and $Enabled -eq $true -and ((@($AddActiveDirectoryContainer) -join '|') -eq "$WorkstationsLdap|$ServersLdap") }
        Should -Invoke Set-CMDiscoveryMethod -Times 0 -Exactly -ParameterFilter { $ActiveDirectoryUserDiscovery -and -not ((@($AddActiveDirectoryContainer) -join '|') -eq "LDAP://OU=Demo People,OU=Lab,$Domain") }
    }

    It 'adds the users OU when AD user discovery is on but for another container' {
        Set-Site -UserOn $true -UserContainers @("LDAP://OU=Elsewhere,$Domain") -SystemOn $true -SystemContainers @($WorkstationsLdap, $ServersLdap) `
            -AdUsers @(New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105')
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMDiscoveryMethod -Times 1 -Exactly -ParameterFilter { $ActiveDirectoryUserDiscovery -and ((@($AddActiveDirectoryContainer) -join '|') -eq $UsersLdap) }
        Should -Invoke Set-CMDiscoveryMethod -Times 0 -Exactly -ParameterFilter { $ActiveDirectorySystemDiscovery }
    }

    It 'changes nothing when both discoveries are already on their OUs and a user is discovered (second run)' {
        $alice = New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105'
        Set-Site -UserOn $true -UserContainers @($UsersLdap) -SystemOn $true -SystemContainers @($WorkstationsLdap, $ServersLdap) -AdUsers @($alice) -Records @($alice)
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMDiscoveryMethod -Times 0 -Exactly
        Should -Invoke Invoke-CMUserDiscovery -Times 0 -Exactly
        Should -Invoke Invoke-CMSystemDiscovery -Times 0 -Exactly
        $r.Output | Should -Contain "Active Directory User Discovery found users of $UsersDn; system discovery on $WorkstationsLdap, $ServersLdap"
    }

    It 'fails naming AD user discovery and the CMG token failure when the setting does not read back on' {
        Set-Site -AdUsers @(New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105')
        $global:Site.Sticks = $false
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("Active Directory User Discovery does not read back on for $UsersLdap"))
        $r.Text | Should -Match ([regex]::Escape("is not completely discovered"))
        $r.Text | Should -Match ([regex]::Escape('the CMG token request fails (CMGConnector_Un-authorizedrequest)'))
        # It fails at the read-back, not after half an hour of waiting for users.
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 0, 0))
    }

    It 'fails naming system discovery when its setting does not read back on' {
        Set-Site -UserOn $true -UserContainers @($UsersLdap) -AdUsers @(New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105')
        $global:Site.Sticks = $false
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("Active Directory System Discovery does not read back on for $WorkstationsLdap, $ServersLdap"))
    }

    It 'fails with the cmdlet''s error when Set-CMDiscoveryMethod throws' {
        Set-Site
        Mock Set-CMDiscoveryMethod { throw 'The SMS Provider reported an error.' }
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'site-discovery failed: The SMS Provider reported an error\.'
    }

    It 'waits until discovery has made the user record (ready after 3 polls)' {
        Set-Site -AdUsers @(New-AdUser -Name 'alice' -OuDn $UsersDn -Sid 'S-1-5-21-1-2-3-1105') -LagReads 3
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 1, 30))
    }

    It 'does not count a user of another OU, or one without a SID' {
        Set-Site -UserOn $true -UserContainers @($UsersLdap) -SystemOn $true -SystemContainers @($WorkstationsLdap, $ServersLdap) `
            -Records @((New-AdUser -Name 'carol' -OuDn "OU=Elsewhere,$Domain" -Sid 'S-1-5-21-1-2-3-1107'), (New-AdUser -Name 'dave' -OuDn $UsersDn -Sid ''))
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("no user of $UsersDn has a ConfigMgr user record with its SID after 30 minutes; see adusrdis.log (are there users in the OU?)"))
    }

    It 'times out with a clear message when the OU holds no user' {
        Set-Site
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("no user of $UsersDn has a ConfigMgr user record with its SID after 30 minutes"))
        (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 30, 0))
        (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 32, 0))
    }

    It 'receives OU paths with spaces, quotes, $, % and non-ASCII letters intact' {
        $odd = "OU=$LabAwkwardText,$Domain"
        $p = $Params.Clone(); $p.UsersOuLdap = "LDAP://$odd"
        Set-Site -AdUsers @(New-AdUser -Name 'émile' -OuDn $odd -Sid 'S-1-5-21-1-2-3-1108')
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Site.Methods['ActiveDirectoryUserDiscovery'].Containers | Should -Be @("LDAP://$odd")
        Should -Invoke Set-CMDiscoveryMethod -Times 1 -Exactly -ParameterFilter { $ActiveDirectoryUserDiscovery -and $AddActiveDirectoryContainer[0] -ceq "LDAP://$odd" }
    }

    It 'stops before any change when <Name> is <Why>' -ForEach @(
        @{ Name = 'WaitMinutes'; Why = 'missing'; Value = $null }
        @{ Name = 'WaitMinutes'; Why = 'not a number'; Value = '30 min' }
        @{ Name = 'UsersOuLdap'; Why = 'empty'; Value = '' }
        @{ Name = 'UsersOuLdap'; Why = 'a DN without LDAP://'; Value = 'OU=LabUsers,DC=corp,DC=cmglab,DC=example' }
        @{ Name = 'SystemOusLdap'; Why = 'only separators'; Value = ' ; ' }
        @{ Name = 'SystemOusLdap'; Why = 'holding a DN without LDAP://'; Value = 'LDAP://OU=Workstations,DC=x;OU=Servers,DC=x' }
        @{ Name = 'SiteCode'; Why = 'missing'; Value = $null }
    ) {
        Set-Site
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'site-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Set-CMDiscoveryMethod -Times 0 -Exactly
        Should -Invoke Invoke-CMUserDiscovery -Times 0 -Exactly
    }
}
