# wait-ad-forest.ps1: passes only once the promoted server is back from its reboot as a DC of the
# domain with AD Web Services running, Get-ADDomain answering and the DC locator SRV record in its
# own DNS; polls on the fake clock and times out with what it saw.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'corp.cmglab.example'
    $script:Params = @{ DomainFqdn = $Fqdn; WaitMinutes = '30' }
    $script:Start = [datetime]::new(2026, 1, 1, 8, 0, 0)

    # The server as ad-forest-promote.ps1 leaves it: promoted, its reboot pending (a member server
    # role, ADWS installed with the role but no directory to serve). At RebootAt it comes back as
    # the forest's first DC with the given answers.
    function Set-Server {
        param([Nullable[datetime]] $RebootAt = $null, [string] $AdDomain = 'corp.cmglab.example', [string[]] $SrvTypes = @('SRV', 'A'), [string] $Adws = 'Running')
        $global:Dc = @{ RebootAt = $RebootAt; AdDomain = $AdDomain; SrvTypes = $SrvTypes; Adws = $Adws }
    }
    function Test-Rebooted { $null -ne $global:Dc.RebootAt -and (Get-FakeNow) -ge $global:Dc.RebootAt }
}

Describe 'wait-ad-forest.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Import-Module { } -ParameterFilter { "$Name" -eq 'ActiveDirectory' }
        Mock Get-CimInstance {
            if (Test-Rebooted) { [pscustomobject]@{ DomainRole = 5; Domain = 'corp.cmglab.example'; PartOfDomain = $true } }
            else { [pscustomobject]@{ DomainRole = 2; Domain = 'WORKGROUP'; PartOfDomain = $false } }
        } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Get-Service { [pscustomobject]@{ Name = 'ADWS'; Status = $(if (Test-Rebooted) { $global:Dc.Adws } else { 'Stopped' }) } } -ParameterFilter { "$Name" -eq 'ADWS' }
        Mock Get-ADDomain {
            if (-not (Test-Rebooted)) { throw 'Unable to contact the server. This may be because this server does not exist, it is currently down, or it does not have the Active Directory Web Services running.' }
            [pscustomobject]@{ DNSRoot = $global:Dc.AdDomain }
        } -ParameterFilter { $Server -eq 'localhost' }
        Mock Resolve-DnsName {
            if (-not (Test-Rebooted)) { throw "$Name : This operation returned because the timeout period expired" }
            foreach ($t in $global:Dc.SrvTypes) { [pscustomobject]@{ Name = $Name; Type = $t } }
        } -ParameterFilter { $Type -eq 'SRV' -and $Server -eq '127.0.0.1' -and $DnsOnly }
    }

    It 'passes at once on a DC that answers (second run changes nothing and waits not)' {
        Set-Server -RebootAt $Start
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "AD answers for $Fqdn"
        Get-FakeNow | Should -Be $Start
        Should -Invoke Resolve-DnsName -ParameterFilter { $Name -eq "_ldap._tcp.dc._msdcs.$Fqdn" }
    }

    It 'keeps waiting while the promotion waits for its reboot and passes once the DC is back (after 7 waits)' {
        Set-Server -RebootAt $Start.AddSeconds(100)
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        ((Get-FakeNow) - $Start).TotalSeconds | Should -Be 105
    }

    It 'does not count an answer without an SRV record' {
        Set-Server -RebootAt $Start -SrvTypes @('SOA')
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SrvRecord=no'
    }

    It 'times out with every check it saw and the promotion step to look at' {
        Set-Server
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("AD for $Fqdn does not answer after 30 minutes (DomainRole=2, Domain=WORKGROUP, Adws=Stopped, AdDomain=no answer, SrvRecord=no answer); is the promotion (ad-forest-promote) done?"))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 30
    }

    It 'names the other domain a DC answers for, and ADWS when it is not running' {
        Set-Server -RebootAt $Start -AdDomain 'other.example' -Adws 'Stopped'
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'Adws=Stopped, AdDomain=other: other.example'
    }

    It 'receives the domain name intact (it is the name it resolves)' {
        Set-Server -RebootAt $Start
        $p = $Params.Clone(); $p.DomainFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $p
        $r.ExitCode | Should -Be 1
        Should -Invoke Resolve-DnsName -ParameterFilter { $Name -ceq "_ldap._tcp.dc._msdcs.$LabAwkwardText" }
        $r.Text | Should -Match ([regex]::Escape("AD for $LabAwkwardText does not answer"))
    }

    It 'stops at once when <Name> is <Case>' -ForEach @(
        @{ Name = 'DomainFqdn'; Case = 'missing'; Value = $null }
        @{ Name = 'WaitMinutes'; Case = 'empty'; Value = '' }
        @{ Name = 'WaitMinutes'; Case = 'not a number'; Value = 'half an hour' }
    ) {
        Set-Server
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'wait-ad-forest.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Get-FakeNow | Should -Be $Start
    }
}
