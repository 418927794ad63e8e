# wait-domain-member.ps1 (with lib/join-reboot.ps1): passes only once the machine is back from the
# join's reboot (Netlogon's JoinDomain / AvoidSpnSet SUBKEYS gone) with a working secure channel.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'corp.cmglab.example'
    $script:Netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    $script:Params = @{ DomainFqdn = $Fqdn; WaitMinutes = '30' }
    $script:Start = [datetime]::new(2026, 1, 1, 8, 0, 0)

    # The machine right after domain-join.ps1: joined, reboot pending (subkeys present), no secure
    # channel yet. RebootAt: the fake time the scheduled restart completes the join.
    function Set-Machine {
        param([bool] $PartOfDomain = $true, [string] $Domain = 'corp.cmglab.example', [bool] $Pending = $true, [Nullable[datetime]] $RebootAt = $null, [bool] $Channel = $true)
        $global:Win = @{ PartOfDomain = $PartOfDomain; Domain = $Domain; Pending = $Pending; RebootAt = $RebootAt; Channel = $Channel }
    }
    function Update-Machine {
        if ($null -ne $global:Win.RebootAt -and (Get-FakeNow) -ge $global:Win.RebootAt) { $global:Win.Pending = $false }
    }
}

Describe 'wait-domain-member.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-CimInstance { Update-Machine; [pscustomobject]@{ PartOfDomain = $global:Win.PartOfDomain; Domain = $global:Win.Domain } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Test-Path {
            Update-Machine
            $global:Win.Pending -and ("$LiteralPath" -eq "$Netlogon\JoinDomain" -or "$LiteralPath" -eq "$Netlogon\AvoidSpnSet")
        } -ParameterFilter { "$LiteralPath" -like 'HKLM:\*' }
        Mock Test-ComputerSecureChannel {
            Update-Machine
            # Before the reboot the new membership has no secure channel.
            (-not $global:Win.Pending) -and $global:Win.Channel
        }
    }

    It 'passes at once on a member back from its reboot with a working secure channel (nothing changes)' {
        Set-Machine -Pending $false
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "Member of $Fqdn with a working secure channel"
        Get-FakeNow | Should -Be $Start
        Should -Invoke Test-ComputerSecureChannel -ParameterFilter { $Repair } -Times 0 -Exactly
    }

    It 'keeps waiting while the join waits for its reboot, and passes after the restart (8 waits of 15 s)' {
        Set-Machine -RebootAt $Start.AddSeconds(110)
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        # Polls every 15 s: ready at the first poll at or after 110 s.
        ((Get-FakeNow) - $Start).TotalSeconds | Should -Be 120
    }

    It 'is not fooled by a working secure channel while the JoinDomain subkey is still there' {
        Set-Machine -RebootAt $Start.AddMinutes(5)
        Mock Test-ComputerSecureChannel { $true }
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        ((Get-FakeNow) - $Start).TotalMinutes | Should -Be 5
    }

    It 'times out naming the pending reboot and the domain-join step when the restart never came' {
        Set-Machine
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("not a working member of $Fqdn after 30 minutes (PartOfDomain=True, Domain=$Fqdn, JoinPendingReboot=True, SecureChannel=False)"))
        $r.Text | Should -Match 'domain-join'
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 30
    }

    It 'times out naming the broken secure channel on a rebooted member' {
        Set-Machine -Pending $false -Channel $false
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'JoinPendingReboot=False, SecureChannel=False'
    }

    It 'fails on a machine in another domain' {
        Set-Machine -Domain 'other.example' -Pending $false
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'Domain=other.example'
    }

    It 'receives a domain name with awkward characters intact (it appears in the message)' {
        Set-Machine -Pending $false -Domain $LabAwkwardText
        $p = $Params.Clone(); $p.DomainFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "Member of $LabAwkwardText with a working secure channel"
    }

    It 'stops at once when <Name> is <Case>' -ForEach @(
        @{ Name = 'DomainFqdn'; Case = 'missing'; Value = $null }
        @{ Name = 'WaitMinutes'; Case = 'empty'; Value = '' }
        @{ Name = 'WaitMinutes'; Case = 'not a number'; Value = '30m' }
    ) {
        Set-Machine
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'wait-domain-member.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Get-FakeNow | Should -Be $Start
    }
}
