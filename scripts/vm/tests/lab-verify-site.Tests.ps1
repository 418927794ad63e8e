# lab-verify-site.ps1: the end-to-end checks on the site server (CMG ready, clients online) and the
# report they print. CMG ready means State 0 AND StatusDetails 1 (the one public unattended CMG
# script's rule; Microsoft documents no meaning for State), and a missing value is never 0
# (issue #19 item 5). The report lines are the format `npm run diagnose` reads.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Host1 = 'CM01.corp.cmglab.example'
    $script:Cmg = 'cmglab-x1.westeurope.cloudapp.azure.com'
    $script:Params = @{
        SiteCode = 'PS1'
        SiteServerFqdn = $Host1
        CmgFqdn = $Cmg
        ClientNames = 'WIN11-01,WIN10-01'
        WaitMinutes = '30'
    }
    $script:InstallDir = 'C:\Program Files\Microsoft Configuration Manager'

    # The site as Get-CMCloudManagementGateway and Get-CMDevice see it. CmgReads is the list of
    # CMG objects successive reads return (the last one stays); Devices maps a name to the
    # records Get-CMDevice -Name returns; Logs maps a site log's file name to its lines.
    function Set-Site {
        param([object[]] $CmgReads = @(), [hashtable] $Devices = @{}, [hashtable] $Logs = @{})
        $global:Site = @{ CmgReads = [System.Collections.Generic.List[object]]::new(); Devices = $Devices; Logs = $Logs; CmgCalls = 0 }
        foreach ($c in $CmgReads) { $global:Site.CmgReads.Add($c) }
    }
    function New-Cmg {
        param([hashtable] $Values)
        $o = [ordered]@{ Name = $Cmg; ServiceCName = $Cmg }
        foreach ($k in $Values.Keys) { $o[$k] = $Values[$k] }
        [pscustomobject]$o
    }
    function New-Device {
        param([string] $Name, [bool] $IsClient = $true, [object] $Active = 1, [object] $Online = 1)
        [pscustomobject]@{ Name = $Name; IsClient = $IsClient; ClientActiveStatus = $Active; CNIsOnline = $Online }
    }
    $script:OnlineDevices = @{ 'WIN11-01' = @(New-Device -Name 'WIN11-01'); 'WIN10-01' = @(New-Device -Name 'WIN10-01') }
}

Describe 'lab-verify-site.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-CMCloudManagementGateway {
            $global:Site.CmgCalls++
            if ($global:Site.CmgReads.Count -eq 0) { return $null }
            $c = $global:Site.CmgReads[0]
            if ($global:Site.CmgReads.Count -gt 1) { $global:Site.CmgReads.RemoveAt(0) }
            $c
        } -ParameterFilter { $Name -eq $Cmg }
        Mock Get-CMDevice { $global:Site.Devices[[string] $Name] } -ParameterFilter { $Fast }
        Mock Get-ItemProperty { [pscustomobject]@{ 'Installation Directory' = $InstallDir } } -ParameterFilter { $LiteralPath -eq 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' }
        Mock Test-Path { $global:Site.Logs.ContainsKey((Split-Path -Leaf ($LiteralPath -replace '\\', '/'))) } -ParameterFilter { ($LiteralPath -replace '\\', '/') -like ($InstallDir.Replace('\', '/') + '/Logs/*') }
        Mock Get-Content { $global:Site.Logs[(Split-Path -Leaf ($LiteralPath -replace '\\', '/'))] } -ParameterFilter { ($LiteralPath -replace '\\', '/') -like ($InstallDir.Replace('\', '/') + '/Logs/*') }
    }

    It 'passes with the CMG at State 0 and StatusDetails 1 and every client online, printing the report' {
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 }) -Devices $OnlineDevices
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @(
            'VERIFY REPORT CM01.corp.cmglab.example (site)'
            'VERIFY CM01.corp.cmglab.example cmg-ready PASS'
            'VERIFY CM01.corp.cmglab.example client-online WIN11-01 PASS'
            'VERIFY CM01.corp.cmglab.example client-online WIN10-01 PASS'
        )
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 0, 0))
    }

    It 'is not ready, and fails after the wait, when the CMG object has <Case>' -ForEach @(
        @{ Case = 'no State property'; Values = @{ StatusDetails = 1 } }
        @{ Case = 'State 0 but no StatusDetails property'; Values = @{ State = 0 } }
        @{ Case = 'State 0 and StatusDetails null'; Values = @{ State = 0; StatusDetails = $null } }
        @{ Case = 'State null and StatusDetails 1'; Values = @{ State = $null; StatusDetails = 1 } }
        @{ Case = 'State 0 and StatusDetails 2'; Values = @{ State = 0; StatusDetails = 2 } }
        @{ Case = 'State 0 and StatusDetails 0'; Values = @{ State = 0; StatusDetails = 0 } }
        @{ Case = 'State 4 (provisioning) and StatusDetails 1'; Values = @{ State = 4; StatusDetails = 1 } }
        @{ Case = 'empty strings for both'; Values = @{ State = ''; StatusDetails = '' } }
        @{ Case = 'no State and no StatusDetails'; Values = @{} }
    ) {
        Set-Site -CmgReads @(New-Cmg $Values) -Devices $OnlineDevices
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01.corp.cmglab.example cmg-ready FAIL'
        $r.Output | Should -Contain 'VERIFY CM01.corp.cmglab.example client-online WIN11-01 PASS'
        $r.Text | Should -Match ([regex]::Escape('verify failed on CM01.corp.cmglab.example: see the FAIL lines above'))
        (Get-FakeNow) | Should -BeGreaterOrEqual ([datetime]::new(2026, 1, 1, 8, 30, 0))
    }

    It 'fails cmg-ready when no CMG of that name exists' {
        Set-Site -Devices $OnlineDevices
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain 'VERIFY CM01.corp.cmglab.example cmg-ready FAIL'
    }

    It 'becomes ready after 3 polls while the CMG deploys' {
        Set-Site -CmgReads @(
            (New-Cmg @{ State = 4; StatusDetails = 0 }), (New-Cmg @{ State = 4; StatusDetails = 0 }), (New-Cmg @{ State = 0; StatusDetails = 0 }),
            (New-Cmg @{ State = 0; StatusDetails = 1 })) -Devices $OnlineDevices
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Site.CmgCalls | Should -Be 4
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 1, 30))
    }

    It 'counts a client online when one of its records is the active, online client (another is a discovery record)' {
        $devices = @{
            'WIN11-01' = @((New-Device -Name 'WIN11-01' -IsClient $false -Active $null -Online $null), (New-Device -Name 'WIN11-01'))
            'WIN10-01' = @(New-Device -Name 'WIN10-01')
        }
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 }) -Devices $devices
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
    }

    It 'fails client-online for a client that is <Case>, with the evidence from the site logs' -ForEach @(
        @{ Case = 'not a client yet'; Device = @{ IsClient = $false; Active = $null; Online = $null } }
        @{ Case = 'inactive'; Device = @{ IsClient = $true; Active = 0; Online = 1 } }
        @{ Case = 'offline'; Device = @{ IsClient = $true; Active = 1; Online = 0 } }
        @{ Case = 'offline (no value)'; Device = @{ IsClient = $true; Active = 1; Online = $null } }
    ) {
        $devices = @{ 'WIN11-01' = @(New-Device -Name 'WIN11-01' -IsClient $Device.IsClient -Active $Device.Active -Online $Device.Online); 'WIN10-01' = @(New-Device -Name 'WIN10-01') }
        $logs = @{
            'CCM_STS.log' = @('Validated AAD token.', '  AAD user with ID 0f3c and SID S-1-5-21-1-2-3-1105 is not completely discovered  ')
            'CloudMgr.log' = @('Service is running.')
        }
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 }) -Devices $devices -Logs $logs
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Be @(
            'VERIFY REPORT CM01.corp.cmglab.example (site)'
            'VERIFY CM01.corp.cmglab.example cmg-ready PASS'
            'VERIFY CM01.corp.cmglab.example client-online WIN11-01 FAIL'
            'VERIFY CM01.corp.cmglab.example client-online WIN10-01 PASS'
            '  evidence: AAD user with ID 0f3c and SID S-1-5-21-1-2-3-1105 is not completely discovered'
        )
    }

    It 'checks only the CMG when the lab has no client (ClientNames empty)' {
        $p = $Params.Clone(); $p.ClientNames = ''
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 })
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Be @('VERIFY REPORT CM01.corp.cmglab.example (site)', 'VERIFY CM01.corp.cmglab.example cmg-ready PASS')
        Should -Invoke Get-CMDevice -Times 0 -Exactly
    }

    It 'receives a CMG name with spaces, quotes, $, % and non-ASCII letters intact' {
        $p = $Params.Clone(); $p.CmgFqdn = $LabAwkwardText
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 }) -Devices $OnlineDevices
        Mock Get-CMCloudManagementGateway { New-Cmg @{ State = 0; StatusDetails = 1 } } -ParameterFilter { $Name -ceq $LabAwkwardText }
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Get-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $Name -ceq $LabAwkwardText }
    }

    It 'stops at once when <Name> is <Why>' -ForEach @(
        @{ Name = 'WaitMinutes'; Why = 'missing'; Value = $null }
        @{ Name = 'WaitMinutes'; Why = 'not a number'; Value = 'half an hour' }
        @{ Name = 'CmgFqdn'; Why = 'empty'; Value = '' }
        @{ Name = 'SiteCode'; Why = 'missing'; Value = $null }
    ) {
        Set-Site -CmgReads @(New-Cmg @{ State = 0; StatusDetails = 1 }) -Devices $OnlineDevices
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'lab-verify-site.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Get-CMCloudManagementGateway -Times 0 -Exactly
    }
}
