# check-user-discovery.ps1: which side of discovery a ConfigMgr user record has (SID from Active
# Directory user discovery, AADUserID from Azure AD user discovery) and, when a side is missing,
# the missed runbook step. Moved here from the TypeScript copy (stacks/model/site.ts
# missingDiscoverySteps / USER_DISCOVERY_SIDES), now tested against the script itself.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Params = @{ SiteCode = 'PS1'; UserName = 'alice'; Require = 'both'; WaitMinutes = '30' }
    $script:Sid = 'S-1-5-21-1-2-3-1105'
    $script:Oid = '0a1b2c3d-0000-4000-8000-00000000a11c'
    $script:Tid = '72f988bf-0000-4000-8000-0000000000aa'

    # The site's SMS_R_User records as successive reads return them: Reads holds one list of
    # records per read (the last one stays), so discovery can fill a side while the script polls.
    function Set-Site {
        param([object[]] $Reads)
        $global:Site = @{ Reads = [System.Collections.Generic.List[object]]::new(); Count = 0 }
        foreach ($r in $Reads) { $global:Site.Reads.Add(@($r)) }
    }
    function New-UserRecord {
        param([string] $Name = 'alice', [object] $Sid = $null, [object] $AadUserId = $null, [object] $TenantId = $null)
        [pscustomobject]@{ UserName = $Name; UserPrincipalName = "$Name@corp.cmglab.example"; SID = $Sid; AADUserID = $AadUserId; AADTenantID = $TenantId }
    }
}

Describe 'check-user-discovery.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-CimInstance {
            $global:Site.Count++
            if ($global:Site.Reads.Count -eq 0) { return @() }
            $records = $global:Site.Reads[0]
            if ($global:Site.Reads.Count -gt 1) { $global:Site.Reads.RemoveAt(0) }
            $records
        } -ParameterFilter { $ClassName -eq 'SMS_R_User' -and $Namespace -eq 'root\SMS\site_PS1' }
    }

    It 'passes for a user found by both discoveries, and reports it complete' {
        Set-Site -Reads @(, @(New-UserRecord -Sid $Sid -AadUserId $Oid -TenantId $Tid))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @("UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=$Sid; AADUserID=$Oid; AADTenantID=$Tid; complete")
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 0, 0))
    }

    It 'names AD user discovery as the missed step for a user only Azure AD user discovery found (the reference lab''s miss)' {
        Set-Site -Reads @(, @(New-UserRecord -Sid '' -AadUserId $Oid -TenantId $Tid))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain "UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=; AADUserID=$Oid; AADTenantID=$Tid; missing SID (ad-user-discovery)"
        $r.Text | Should -Match ([regex]::Escape("missed step: ad-user-discovery (Active Directory user discovery left SID empty: CCM_STS.log says the AAD user `"is not completely discovered`" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log)"))
        $r.Text | Should -Not -Match 'missed step: aad-user-discovery'
    }

    It 'names Azure AD user discovery as the missed step for a user only AD user discovery found' {
        Set-Site -Reads @(, @(New-UserRecord -Sid $Sid -AadUserId $null))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain "UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=$Sid; AADUserID=; AADTenantID=; missing AADUserID (aad-user-discovery)"
        $r.Text | Should -Match ([regex]::Escape('missed step: aad-user-discovery (Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log)'))
        $r.Text | Should -Not -Match 'missed step: ad-user-discovery'
    }

    It 'names both steps, AD first, for a record with neither side (whitespace is empty)' {
        Set-Site -Reads @(, @(New-UserRecord -Sid '  ' -AadUserId $null))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=  ; AADUserID=; AADTenantID=; missing SID (ad-user-discovery), AADUserID (aad-user-discovery)'
        $r.Text | Should -Match 'missed steps: ad-user-discovery \(Active Directory user discovery .*\); aad-user-discovery \(Azure AD user discovery '
    }

    It 'says the discoveries made two separate records when each half is in its own record' {
        Set-Site -Reads @(, @((New-UserRecord -Sid $null -AadUserId $Oid), (New-UserRecord -Sid $Sid)))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain "UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=; AADUserID=$Oid; AADTenantID=; missing SID (ad-user-discovery)"
        $r.Output | Should -Contain "UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=$Sid; AADUserID=; AADTenantID=; missing AADUserID (aad-user-discovery)"
        $r.Text | Should -Match ([regex]::Escape('no single record has both sides: the two discoveries made separate records'))
        $r.Text | Should -Not -Match 'missed step'
    }

    It 'with -Require entra passes on the Entra side alone, and with -Require ad on the AD side alone' {
        Set-Site -Reads @(, @(New-UserRecord -Name 'cloudonly' -AadUserId $Oid))
        $p = $Params.Clone(); $p.UserName = '*'; $p.Require = 'entra'
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text

        Set-Site -Reads @(, @(New-UserRecord -Sid $Sid))
        $p = $Params.Clone(); $p.Require = 'ad'
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
    }

    It 'with -Require entra names only Azure AD user discovery when no record has an Entra object id' {
        Set-Site -Reads @(, @(New-UserRecord -Sid $Sid))
        $p = $Params.Clone(); $p.UserName = '*'; $p.Require = 'entra'
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'missed step: aad-user-discovery '
        $r.Text | Should -Not -Match 'ad-user-discovery \(Active'
    }

    It 'does not take another user''s complete record for the one asked for' {
        Set-Site -Reads @(, @((New-UserRecord -Name 'bob' -Sid $Sid -AadUserId $Oid), (New-UserRecord -Name 'alice' -Sid $Sid)))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Not -Match '^UserName=bob'
    }

    It 'becomes complete after 3 polls, once Azure AD user discovery has filled the Entra side' {
        $adOnly = New-UserRecord -Sid $Sid
        Set-Site -Reads @(@($adOnly), @($adOnly), @($adOnly), @(New-UserRecord -Sid $Sid -AadUserId $Oid -TenantId $Tid))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 3, 0))
    }

    It 'times out with a clear message when no record matches' {
        Set-Site -Reads @(, @(New-UserRecord -Name 'bob' -Sid $Sid -AadUserId $Oid))
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain "no ConfigMgr user record matches 'alice'"
        $r.Text | Should -Match ([regex]::Escape("no ConfigMgr user record matching 'alice' has the both side of discovery after 30 minutes"))
        $r.Text | Should -Match 'missed steps: ad-user-discovery .*; aad-user-discovery '
        (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 30, 0))
        (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 32, 0))
    }

    It 'receives a user name with spaces, quotes, $, % and non-ASCII letters intact' {
        Set-Site -Reads @(, @((New-UserRecord -Name 'Lab Users' -Sid $Sid -AadUserId $Oid), (New-UserRecord -Name $LabAwkwardText -Sid $Sid -AadUserId $Oid)))
        $p = $Params.Clone(); $p.UserName = $LabAwkwardText
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @("UserName=$LabAwkwardText; UserPrincipalName=$LabAwkwardText@corp.cmglab.example; SID=$Sid; AADUserID=$Oid; AADTenantID=; complete")
    }

    It 'stops at once when <Name> is <Why>' -ForEach @(
        @{ Name = 'Require'; Why = 'not ad, entra or both'; Value = 'all' }
        @{ Name = 'WaitMinutes'; Why = 'not a number'; Value = 'soon' }
        @{ Name = 'WaitMinutes'; Why = 'missing'; Value = $null }
        @{ Name = 'UserName'; Why = 'empty'; Value = '' }
    ) {
        Set-Site -Reads @(, @(New-UserRecord -Sid $Sid -AadUserId $Oid))
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'check-user-discovery.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        $global:Site.Count | Should -Be 0
    }
}
