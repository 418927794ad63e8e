# ad-dns-forwarder.ps1: the DC's DNS server forwards to exactly the given server (Azure DNS), read back.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:AzureDns = '168.63.129.16'
    $script:Params = @{ ForwarderAddress = $AzureDns }

    # The DNS server's forwarder list, as Get-DnsServerForwarder returns it (IPAddress objects; no
    # forwarders: no addresses).
    function Set-Forwarders {
        param([string[]] $Addresses = @())
        $global:Dns = @{ Forwarders = @($Addresses) }
    }
}

Describe 'ad-dns-forwarder.ps1' {
    BeforeEach {
        Mock Get-DnsServerForwarder {
            $list = @($global:Dns.Forwarders | ForEach-Object { [System.Net.IPAddress]::Parse($_) })
            [pscustomobject]@{ IPAddress = $(if ($list.Count -gt 0) { [System.Net.IPAddress[]] $list } else { $null }); UseRootHint = $true; Timeout = 3 }
        }
        Mock Set-DnsServerForwarder { $global:Dns.Forwarders = @($IPAddress | ForEach-Object { [string] $_ }) }
    }

    It 'sets the forwarder on a DNS server that has none and reads it back' {
        Set-Forwarders
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-DnsServerForwarder -Times 1 -Exactly -ParameterFilter { (@($IPAddress) -join ',') -eq $AzureDns }
        $global:Dns.Forwarders | Should -Be @($AzureDns)
        $r.Output | Should -Contain "DNS forwards to $AzureDns"
    }

    It 'replaces other forwarders by exactly the one asked' {
        Set-Forwarders -Addresses @('8.8.8.8', $AzureDns)
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-DnsServerForwarder -Times 1 -Exactly
        $global:Dns.Forwarders | Should -Be @($AzureDns)
    }

    It 'changes nothing when the forwarder is already exactly the one asked (second run)' {
        Set-Forwarders -Addresses @($AzureDns)
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-DnsServerForwarder -Times 0 -Exactly
    }

    It 'fails naming what the server forwards to when the change did not stick' {
        Set-Forwarders -Addresses @('8.8.8.8')
        Mock Set-DnsServerForwarder { }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the DNS forwarders are 8.8.8.8, not $AzureDns"))
    }

    It 'says "none" when the server still has no forwarder after the change' {
        Set-Forwarders
        Mock Set-DnsServerForwarder { }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the DNS forwarders are (none), not $AzureDns"))
    }

    It 'fails with the cmdlet error when the DNS server refuses' {
        Set-Forwarders
        Mock Set-DnsServerForwarder { throw 'Failed to set property Forwarders on server DC01: the DNS server is not running.' }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ad-dns-forwarder failed: Failed to set property Forwarders'
    }

    It 'takes another IPv4 address as given' {
        Set-Forwarders
        $p = @{ ForwarderAddress = '10.0.0.53' }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Dns.Forwarders | Should -Be @('10.0.0.53')
    }

    It 'stops before any change when ForwarderAddress is <Case>, quoting it intact' -ForEach @(
        @{ Case = 'awkward text'; Value = 'AWKWARD' }
        @{ Case = 'a short form'; Value = '1' }
        @{ Case = 'out of range'; Value = '168.63.129.256' }
    ) {
        Set-Forwarders
        # $LabAwkwardText exists only once BeforeAll has run, after discovery.
        if ($Value -eq 'AWKWARD') { $Value = $LabAwkwardText }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters @{ ForwarderAddress = $Value }
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match ([regex]::Escape("ForwarderAddress must be an IPv4 address such as 168.63.129.16, got '$Value'"))
        Should -Invoke Set-DnsServerForwarder -Times 0 -Exactly
    }

    It 'stops before any change when ForwarderAddress is <Case>' -ForEach @(
        @{ Case = 'missing'; Value = $null }
        @{ Case = 'empty'; Value = '' }
    ) {
        Set-Forwarders
        $p = if ($null -eq $Value) { @{} } else { @{ ForwarderAddress = $Value } }
        $r = Invoke-LabScript -Name 'ad-dns-forwarder.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'ForwarderAddress'
        Should -Invoke Set-DnsServerForwarder -Times 0 -Exactly
    }
}
