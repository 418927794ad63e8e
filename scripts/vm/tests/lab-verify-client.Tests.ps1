# lab-verify-client.ps1: the end-to-end report of one client (hybrid join, its tenant, CMG route, registration),
# read-only; a failed check prints the evidence lines that `npm run diagnose` maps to a step.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs
    . (Join-Path $PSScriptRoot 'dsreg-samples.ps1')

    $script:Cmg = 'cmglabdev1a2b.westeurope.cloudapp.azure.com'
    $script:Params = @{ CmgFqdn = $Cmg; InternetOnly = '1'; WaitMinutes = '30'; TenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47' }
    $script:OtherTenant = 'aaaabbbb-0000-cccc-1111-dddd2222eeee'
    $script:LogDir = 'C:\Windows\CCM\Logs\'

    # The client: dsregcmd before and after JoinAt (minutes after the start), the management
    # points LocationServices offers, and the client logs (name -> lines).
    function Set-Client {
        param(
            [string[]] $Before, [string[]] $After = @(), [double] $JoinAt = -1,
            [object[]] $Mps = @([pscustomobject]@{ MP = 'cmglabdev1a2b.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037927941'; Type = 'Internet' }),
            [hashtable] $Logs = @{ 'ClientIDManagerStartup.log' = @('<![LOG[[RegTask] - Client is registered. Server assigned ClientID is GUID:1c9e0a3e-0000-4000-8000-000000000001. Approval status 3]LOG]!>') }
        )
        $global:Client = @{ Before = $Before; After = $After; JoinAt = $JoinAt; Mps = $Mps; Logs = $Logs }
    }
    function ConvertTo-WinPath { param([string] $Path) return ($Path -replace '/', '\') }
    function Get-LogName {
        param([string] $Path)
        $p = ConvertTo-WinPath $Path
        if ($p.StartsWith($LogDir)) { return $p.Substring($LogDir.Length) }
        return $null
    }
}

Describe 'lab-verify-client.ps1' {
    BeforeEach {
        . Use-FakeClock
        $script:Start = Get-FakeNow
        Mock dsregcmd {
            if ($global:Client.JoinAt -ge 0 -and ((Get-FakeNow) - $Start).TotalMinutes -ge $global:Client.JoinAt) { return $global:Client.After }
            return $global:Client.Before
        }
        Mock Get-CimInstance -ParameterFilter { $Namespace -eq 'root\ccm\LocationServices' -and $ClassName -eq 'SMS_ActiveMPCandidate' } { $global:Client.Mps }
        Mock Test-Path -ParameterFilter { $null -ne (Get-LogName $LiteralPath) } { $global:Client.Logs.ContainsKey((Get-LogName $LiteralPath)) }
        Mock Select-String -ParameterFilter { $null -ne (Get-LogName $LiteralPath) } {
            $found = @($global:Client.Logs[(Get-LogName $LiteralPath)] | Where-Object { $_ -match $Pattern })
            if ($Quiet) { return ($found.Count -gt 0) }
            $found
        }
        Mock Get-Content -ParameterFilter { $null -ne (Get-LogName $LiteralPath) } { $global:Client.Logs[(Get-LogName $LiteralPath)] }
        Mock Start-ScheduledTask { }
    }

    It 'reports every check PASS at once and changes nothing' {
        Set-Client -Before (Get-DsregJoinedText)
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @('VERIFY REPORT CM01 (client)', 'VERIFY CM01 hybrid-join PASS', 'VERIFY CM01 tenant PASS', 'VERIFY CM01 cmg-route PASS', 'VERIFY CM01 registered PASS')
        Get-FakeNow | Should -Be $Start
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
    }

    It 'passes once the hybrid join shows up after 5 minutes of polling' {
        Set-Client -Before (Get-DsregNotSyncedText) -After (Get-DsregJoinedText) -JoinAt 5
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'VERIFY CM01 hybrid-join PASS'
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 5
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 6
    }

    It 'does not ask an intranet-side client for the CMG route' {
        Set-Client -Before (Get-DsregJoinedText) -Mps @([pscustomobject]@{ MP = 'CM01.corp.cmglab.example'; Type = 'Assigned' })
        $p = $Params.Clone(); $p.InternetOnly = '0'
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @('VERIFY REPORT CM01 (client)', 'VERIFY CM01 hybrid-join PASS', 'VERIFY CM01 tenant PASS', 'VERIFY CM01 registered PASS')
        Should -Invoke Get-CimInstance -Times 0 -Exactly
    }

    It 'passes the tenant check whatever the case of the tenant id (<Case>)' -ForEach @(
        @{ Case = 'parameter in upper case'; Param = '72F988BF-86F1-41AF-91AB-2D7CD011DB47'; Seen = '72f988bf-86f1-41af-91ab-2d7cd011db47' }
        @{ Case = 'dsregcmd in upper case'; Param = '72f988bf-86f1-41af-91ab-2d7cd011db47'; Seen = '72F988BF-86F1-41AF-91AB-2D7CD011DB47' }
    ) {
        Set-Client -Before (Get-DsregJoinedText -TenantId $Seen)
        $p = $Params.Clone(); $p.TenantId = $Param
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'VERIFY CM01 tenant PASS'
    }

    It 'fails the tenant check when the device joined another tenant, naming the tenant seen and the SCP step' {
        Set-Client -Before (Get-DsregJoinedText -TenantId $OtherTenant)
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01 hybrid-join PASS'
        $r.Output | Should -Contain 'VERIFY CM01 cmg-route PASS'
        $r.Output | Should -Contain 'VERIFY CM01 registered PASS'
        $i = [array]::IndexOf([object[]] $r.Output, 'VERIFY CM01 tenant FAIL')
        $i | Should -BeGreaterThan 0
        $r.Output[$i + 1] | Should -Be "  evidence: TenantId : $OtherTenant (expected 72f988bf-86f1-41af-91ab-2d7cd011db47)"
        $r.Output[$i + 2] | Should -Be "  evidence: likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)"
        $r.Text | Should -Match ([regex]::Escape('verify failed on CM01: see the FAIL lines above'))
    }

    It 'fails the tenant check of a device not joined yet with no tenant seen and the missed step' {
        Set-Client -Before (Get-DsregNotSyncedText)
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01 tenant FAIL'
        $r.Output | Should -Contain '  evidence: TenantId : (none: not Entra joined) (expected 72f988bf-86f1-41af-91ab-2d7cd011db47)'
        $r.Output | Should -Contain '  evidence: likely: the device object is not in Entra ID: the Workstations OU is not in the Entra Connect sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)'
    }

    It "fails on the reference lab's miss with the dsregcmd lines diagnose needs (<Name>)" -ForEach @(
        @{ Name = 'is not found'; Message = 'The device object by the given ID (11bb11bb-cc22-dd33-ee44-55ff55ff55ff) is not found.' }
        @{ Name = "isn't found, the troubleshooting page's wording"; Message = "The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found." }
    ) {
        Set-Client -Before (Get-DsregNotSyncedText -Message $Message)
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01 hybrid-join FAIL'
        $r.Output | Should -Contain 'VERIFY CM01 cmg-route PASS'
        $r.Output | Should -Contain '  evidence: AzureAdJoined : NO'
        $r.Output | Should -Contain '  evidence: Client ErrorCode : 0x801c03f2'
        $r.Output | Should -Contain "  evidence: Server Message : $Message"
        $r.Text | Should -Match ([regex]::Escape('verify failed on CM01: see the FAIL lines above'))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 30
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 31
    }

    It 'fails with the SCP lines when the device cannot read the SCP' {
        Set-Client -Before (Get-DsregScpMissingText)
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain '  evidence: AD Configuration Test : FAIL [0x801c001d]'
        $r.Output | Should -Contain '  evidence: Client ErrorCode : 0x801c001d'
    }

    It 'fails the CMG route when the active management point is not the CMG, with LocationServices evidence' {
        Set-Client -Before (Get-DsregJoinedText) -Mps @([pscustomobject]@{ MP = 'CM01.corp.cmglab.example'; Type = 'Assigned' }, [pscustomobject]@{ MP = 'othercmg.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/1'; Type = 'Internet' }) -Logs @{
            'ClientIDManagerStartup.log' = @('<![LOG[[RegTask] - Client is registered. Approval status 3]LOG]!>')
            'LocationServices.log' = @('<![LOG[Refreshing MP list]LOG]!>', '<![LOG[Failed to send request to /CCM_Proxy_MutualAuth/72057594037927941 at host cmglabdev1a2b.westeurope.cloudapp.azure.com, error 0x87d00231]LOG]!>')
        }
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01 cmg-route FAIL'
        $r.Output | Should -Contain '  evidence: <![LOG[Failed to send request to /CCM_Proxy_MutualAuth/72057594037927941 at host cmglabdev1a2b.westeurope.cloudapp.azure.com, error 0x87d00231]LOG]!>'
        $r.Output | Should -Not -Contain '  evidence: <![LOG[Refreshing MP list]LOG]!>'
    }

    It 'fails registration without Approval status 3, with the ClientIDManagerStartup evidence' {
        Set-Client -Before (Get-DsregJoinedText) -Logs @{ 'ClientIDManagerStartup.log' = @('<![LOG[[RegTask] - Sending registration request]LOG]!>', '<![LOG[RegTask: Failed to refresh security token. Error: 0x87d00231]LOG]!>') }
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01 registered FAIL'
        $r.Output | Should -Contain '  evidence: <![LOG[RegTask: Failed to refresh security token. Error: 0x87d00231]LOG]!>'
    }

    It 'stops before any check when <Name>' -ForEach @(
        @{ Name = 'InternetOnly is not 0 or 1'; Change = @{ InternetOnly = 'yes' }; Parameter = 'InternetOnly' }
        @{ Name = 'WaitMinutes is not a number'; Change = @{ WaitMinutes = 'thirty' }; Parameter = 'WaitMinutes' }
        @{ Name = 'CmgFqdn holds awkward text'; Change = @{ CmgFqdn = "Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本" }; Parameter = 'CmgFqdn' }
        @{ Name = 'CmgFqdn is a wildcard'; Change = @{ CmgFqdn = '*' }; Parameter = 'CmgFqdn' }
        @{ Name = 'CmgFqdn is empty'; Change = @{ CmgFqdn = '' }; Parameter = 'CmgFqdn' }
        @{ Name = 'CmgFqdn is missing'; Change = @{ CmgFqdn = $null }; Parameter = 'CmgFqdn' }
        @{ Name = 'TenantId is missing'; Change = @{ TenantId = $null }; Parameter = 'TenantId' }
        @{ Name = 'TenantId is not a GUID'; Change = @{ TenantId = 'contoso.onmicrosoft.com' }; Parameter = 'TenantId' }
        @{ Name = 'TenantId is a GUID in braces'; Change = @{ TenantId = '{72f988bf-86f1-41af-91ab-2d7cd011db47}' }; Parameter = 'TenantId' }
        @{ Name = 'TenantId holds awkward text'; Change = @{ TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47 Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本" }; Parameter = 'TenantId' }
        @{ Name = 'TenantId is empty'; Change = @{ TenantId = '' }; Parameter = 'TenantId' }
    ) {
        Set-Client -Before (Get-DsregJoinedText)
        $p = $Params.Clone()
        foreach ($k in $Change.Keys) { if ($null -eq $Change[$k]) { $p.Remove($k) } else { $p[$k] = $Change[$k] } }
        $r = Invoke-LabScript -Name 'lab-verify-client.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Parameter
        Should -Invoke dsregcmd -Times 0 -Exactly
    }
}
