# domain-join.ps1 (with lib/join-reboot.ps1 and lib/primary-nic.ps1): Add-Computer into the given
# OU, the restart scheduled a few seconds after the script ends, and a join pending its reboot
# restarted rather than skipped. Netlogon's JoinDomain and AvoidSpnSet are SUBKEYS until the reboot.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'corp.cmglab.example'
    $script:Ou = 'OU=Workstations,DC=corp,DC=cmglab,DC=example'
    $script:Dc = '10.10.1.4'
    $script:Netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    $script:Params = @{
        DomainFqdn = $Fqdn
        OuDn = $Ou
        DcAddress = $Dc
        JoinUser = 'CORP\labadmin'
        JoinPassword = 'Pa55word!x'
        WaitMinutes = '30'
    }

    # The machine: Win32_ComputerSystem, the registry keys that exist, the NICs and their DNS
    # servers, LDAP reachability of the DC (after how many probes) and the restart scheduled.
    function Set-Machine {
        param([bool] $PartOfDomain = $false, [string] $Domain = 'WORKGROUP', [string[]] $Keys = @(), [string[]] $Dns = @('10.10.1.4'), [int] $LdapAfter = 0)
        $global:Win = @{
            PartOfDomain = $PartOfDomain; Domain = $Domain; Keys = @($Keys); LdapAfter = $LdapAfter; Probes = 0
            Nics = @(
                [pscustomobject]@{ InterfaceIndex = [uint32] 12; IPEnabled = $true }
                [pscustomobject]@{ InterfaceIndex = [uint32] 7; IPEnabled = $true }
            )
            Dns = @{ 7 = @($Dns); 12 = @('10.99.99.99') }
            Joined = $null; Restart = $null
        }
    }
    # A thin wrapper around System.Net.Sockets.TcpClient in the script: replaced here.
    function global:Test-DomainReachable { param([string] $Address) }
}

Describe 'domain-join.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-CimInstance { [pscustomobject]@{ PartOfDomain = $global:Win.PartOfDomain; Domain = $global:Win.Domain; DomainRole = $(if ($global:Win.PartOfDomain) { 1 } else { 0 }) } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Get-CimInstance { $global:Win.Nics } -ParameterFilter { $ClassName -eq 'Win32_NetworkAdapterConfiguration' -and $Filter -eq 'IPEnabled = True' }
        Mock Test-Path { $global:Win.Keys -contains $LiteralPath } -ParameterFilter { "$LiteralPath" -like 'HKLM:\*' }
        # Netlogon's own values: nothing named JoinDomain or AvoidSpnSet lives there as a value.
        Mock Get-ItemProperty { [pscustomobject]@{ DependOnService = @('LanmanWorkstation') } } -ParameterFilter { "$LiteralPath" -eq $Netlogon }
        Mock Get-DnsClientServerAddress { [pscustomobject]@{ InterfaceIndex = $InterfaceIndex; ServerAddresses = $global:Win.Dns[[int] $InterfaceIndex] } }
        Mock Set-DnsClientServerAddress { $global:Win.Dns[[int] $InterfaceIndex] = @($Dc) }
        Mock Test-DomainReachable { $global:Win.Probes++; $global:Win.Probes -gt $global:Win.LdapAfter }
        Mock Add-Computer {
            $global:Win.Joined = @{ Domain = $DomainName; Ou = $OUPath; User = $Credential.UserName; Password = $Credential.GetNetworkCredential().Password; Force = [bool] $Force }
            $global:Win.Keys += "$Netlogon\JoinDomain", "$Netlogon\AvoidSpnSet"
            $global:Win.PartOfDomain = $true
            $global:Win.Domain = $DomainName
        }
        Mock shutdown.exe { $global:Win.Restart = @($args) }
    }

    It 'joins into the given OU with the given credential, schedules the restart seconds later and reads the pending join back' {
        Set-Machine
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-Computer -Times 1 -Exactly -ParameterFilter { $DomainName -eq $Fqdn -and $OUPath -eq $Ou -and $Force }
        $global:Win.Joined.User | Should -BeExactly 'CORP\labadmin'
        $global:Win.Joined.Password | Should -BeExactly 'Pa55word!x'
        # A delay, so the run command reports before the machine goes down.
        $global:Win.Restart[0..2] | Should -Be @('/r', '/t', '10')
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
    }

    It 'changes nothing on a member of the domain whose join is complete (second run)' {
        Set-Machine -PartOfDomain $true -Domain $Fqdn
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "Already a member of $Fqdn"
        Should -Invoke Add-Computer -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'restarts a member whose join still waits for its reboot (JoinDomain subkey), without joining again' {
        Set-Machine -PartOfDomain $true -Domain $Fqdn -Keys @("$Netlogon\JoinDomain")
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-Computer -Times 0 -Exactly
        $global:Win.Restart[0..2] | Should -Be @('/r', '/t', '10')
    }

    It 'restarts on the AvoidSpnSet subkey alone too (the join pending its reboot, not yet shown as a member)' {
        Set-Machine -Keys @("$Netlogon\AvoidSpnSet")
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-Computer -Times 0 -Exactly
        $global:Win.Restart | Should -Not -BeNullOrEmpty
    }

    It 'refuses a member of another domain before any change' {
        Set-Machine -PartOfDomain $true -Domain 'other.example' -Dns @('168.63.129.16')
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("this computer is a member of other.example, not $Fqdn"))
        Should -Invoke Add-Computer -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'points the primary (lowest index) interface back at DHCP DNS when it does not use the DC' {
        Set-Machine -Dns @('168.63.129.16')
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-DnsClientServerAddress -Times 1 -Exactly -ParameterFilter { $InterfaceIndex -eq 7 -and $ResetServerAddresses }
        Should -Invoke Add-Computer -Times 1 -Exactly
    }

    It 'waits for LDAP on the DC and joins after 4 polls' {
        Set-Machine -LdapAfter 4
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Win.Probes | Should -Be 5
        ((Get-FakeNow) - [datetime]::new(2026, 1, 1, 8, 0, 0)).TotalSeconds | Should -Be 60
        Should -Invoke Add-Computer -Times 1 -Exactly
    }

    It 'times out naming the DC and the ad-forest step when LDAP never answers, before joining' {
        Set-Machine -LdapAfter 100000
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("no LDAP answer from the domain controller $Dc within 30 minutes (is the ad-forest step done?)"))
        Should -Invoke Add-Computer -Times 0 -Exactly
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'fails naming the domain when the join did not take effect' {
        Set-Machine
        Mock Add-Computer { }
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the join to $Fqdn did not take effect"))
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'fails with the cmdlet error when Add-Computer refuses' {
        Set-Machine
        Mock Add-Computer { throw 'The specified domain either does not exist or could not be contacted.' }
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'domain-join failed: The specified domain either does not exist'
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'hands the OU, user and password to Add-Computer intact' {
        Set-Machine
        $odd = "OU=$LabAwkwardText,DC=corp,DC=cmglab,DC=example"
        $p = $Params.Clone(); $p.OuDn = $odd; $p.JoinUser = "CORP\j o'e `$x %U% é"; $p.JoinPassword = $LabAwkwardText
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Win.Joined.Ou | Should -BeExactly $odd
        $global:Win.Joined.User | Should -BeExactly "CORP\j o'e `$x %U% é"
        $global:Win.Joined.Password | Should -BeExactly $LabAwkwardText
    }

    It 'stops before any change when <Name> is <Case>' -ForEach @(
        @{ Name = 'OuDn'; Case = 'missing'; Value = $null }
        @{ Name = 'JoinPassword'; Case = 'empty'; Value = '' }
        @{ Name = 'DomainFqdn'; Case = 'empty'; Value = '' }
        @{ Name = 'WaitMinutes'; Case = 'not a number'; Value = 'thirty' }
    ) {
        Set-Machine -Dns @('168.63.129.16')
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'domain-join.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Add-Computer -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
    }
}
