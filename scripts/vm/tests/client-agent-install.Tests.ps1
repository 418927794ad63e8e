# client-agent-install.ps1: the ConfigMgr client installed over the CMG with Entra ID auth. The
# ccmsetup command line (built by stacks/model/cmg.ts ccmsetupArguments, written out here) must reach
# ccmsetup.exe exactly, with only {MpPath} filled in from the site's cmg-client.json.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Share = '\\DC01.corp.cmglab.example\CmgLabClient'
    $script:Route = 'CCM_Proxy_MutualAuth/72057594037927941'
    $script:Cmg = 'cmglabdev1a2b.westeurope.cloudapp.azure.com'
    $script:Tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
    $script:ClientApp = '11112222-bbbb-3333-cccc-4444dddd5555'
    $script:Resource = "api://$Tenant/ConfigMgrService"
    $script:InternetArgs = "/source:$Share /mp:https://$Cmg/{MpPath} /NoCRLCheck CCMHOSTNAME=$Cmg/{MpPath} SMSSITECODE=PS1 AADTENANTID=$Tenant AADCLIENTAPPID=$ClientApp AADRESOURCEURI=$Resource CCMALWAYSINF=1"
    $script:IntranetArgs = "/source:$Share /mp:http://CM01.corp.cmglab.example /NoCRLCheck SMSSITECODE=PS1 AADTENANTID=$Tenant AADCLIENTAPPID=$ClientApp AADRESOURCEURI=$Resource"
    $script:Params = @{ ClientShareUnc = $Share; CcmsetupArguments = $InternetArgs; CaCommonName = 'CORP Lab Root CA'; InternetOnly = '1'; WaitMinutes = '30' }

    # The client machine and the DC share. Start-Process starts ccmsetup; the client service then
    # comes up InstallMinutes later, assigned to AssignTo, with ClientAlwaysOnInternet set when
    # the command line carried CCMALWAYSINF=1. gpupdate brings the CAs Group Policy would.
    function Set-Machine {
        param(
            [string] $Service = '', [string] $Authority = '', [object] $AlwaysOnInternet = $null,
            [string[]] $RootCAs = @('CN=CORP Lab Root CA, DC=corp, DC=cmglab, DC=example'), [string[]] $GpoRootCAs = @(),
            [hashtable] $ShareFiles = @{ 'cmg-client.json' = '{ "mpPath": "CCM_Proxy_MutualAuth/72057594037927941", "cmgFqdn": "cmglabdev1a2b.westeurope.cloudapp.azure.com" }'; 'ccmsetup.exe' = 'MZ' },
            [int] $InstallMinutes = 3, [string] $AssignTo = 'SMS:PS1', [int] $ExitCode = 0,
            [string[]] $CcmsetupLog = @('<![LOG[Failed to get token for MP. Error 0x87d00231]LOG]!><time="08:10:00.000+000" date="01-01-2026" component="ccmsetup" context="" type="3" thread="1" file="ccmsetup.cpp:1">')
        )
        $global:Machine = @{
            Service = $Service; Authority = $Authority; AlwaysOnInternet = $AlwaysOnInternet; RootCAs = @($RootCAs); GpoRootCAs = @($GpoRootCAs)
            ShareFiles = $ShareFiles; InstallMinutes = $InstallMinutes; AssignTo = $AssignTo; InstallAt = $null; Local = @{}; Started = @()
            ExitCode = $ExitCode; CcmsetupLog = $CcmsetupLog
        }
    }
    function Update-Machine {
        # ccmsetup runs in the background: its result shows once its time has come.
        $m = $global:Machine
        if ($null -ne $m.InstallAt -and (Get-FakeNow) -ge $m.InstallAt) {
            $m.Service = 'Running'
            $m.Authority = $m.AssignTo
            if ($m.Started[-1] -match '(^| )CCMALWAYSINF=1( |$)') { $m.AlwaysOnInternet = 1 }
        }
    }
    function ConvertTo-WinPath { param([string] $Path) return ($Path -replace '/', '\') }
}

Describe 'client-agent-install.ps1' {
    BeforeEach {
        . Use-FakeClock
        $script:Start = Get-FakeNow
        Mock Get-Service {
            Update-Machine
            if ($Name -eq 'CcmExec' -and $global:Machine.Service) { [pscustomobject]@{ Name = 'CcmExec'; Status = $global:Machine.Service } }
        }
        Mock Get-CimInstance {
            Update-Machine
            if ($Namespace -eq 'root\ccm' -and $ClassName -eq 'SMS_Authority' -and $global:Machine.Authority) {
                [pscustomobject]@{ Name = $global:Machine.Authority; CurrentManagementPoint = "$Cmg/$Route" }
            }
        }
        Mock Get-ItemProperty -ParameterFilter { $LiteralPath -eq 'HKLM:\SOFTWARE\Microsoft\CCM\Security' } {
            Update-Machine
            if ($null -ne $global:Machine.AlwaysOnInternet) { [pscustomobject]@{ ClientAlwaysOnInternet = $global:Machine.AlwaysOnInternet } }
        }
        Mock Get-ChildItem -ParameterFilter { $Path -eq 'Cert:\LocalMachine\Root' } {
            foreach ($s in $global:Machine.RootCAs) { [pscustomobject]@{ Subject = $s; Thumbprint = 'AB' } }
        }
        Mock gpupdate.exe { $global:Machine.RootCAs += $global:Machine.GpoRootCAs }
        Mock Test-Path -ParameterFilter { (ConvertTo-WinPath $LiteralPath).StartsWith("$Share\") } {
            $global:Machine.ShareFiles.ContainsKey((ConvertTo-WinPath $LiteralPath).Substring($Share.Length + 1))
        }
        Mock Test-Path -ParameterFilter { (ConvertTo-WinPath $LiteralPath) -eq 'C:\Windows\ccmsetup\Logs\ccmsetup.log' } { $true }
        Mock Get-Content -ParameterFilter { (ConvertTo-WinPath $LiteralPath) -eq "$Share\cmg-client.json" } { $global:Machine.ShareFiles['cmg-client.json'] }
        Mock Get-Content -ParameterFilter { (ConvertTo-WinPath $LiteralPath) -eq 'C:\Windows\ccmsetup\Logs\ccmsetup.log' } {
            if ($PesterBoundParameters.ContainsKey('Tail')) { $global:Machine.CcmsetupLog | Select-Object -Last $Tail } else { $global:Machine.CcmsetupLog }
        }
        # Join-Path on this Linux test machine refuses a UNC path ("drive is null"); Windows joins it.
        Mock Join-Path -ParameterFilter { $Path -like '\\*' } { "$($Path.TrimEnd('\'))\$ChildPath" }
        Mock New-Item { }
        Mock Copy-Item {
            $name = (ConvertTo-WinPath $LiteralPath).Substring($Share.Length + 1)
            if (-not $global:Machine.ShareFiles.ContainsKey($name)) { throw "no $LiteralPath" }
            $global:Machine.Local[(ConvertTo-WinPath "$Destination\$name")] = $global:Machine.ShareFiles[$name]
        }
        Mock Start-Process {
            if (-not $global:Machine.Local.ContainsKey((ConvertTo-WinPath $FilePath))) { throw "no $FilePath" }
            $global:Machine.Started += @($ArgumentList) -join ' '
            $global:Machine.InstallAt = (Get-FakeNow).AddMinutes($global:Machine.InstallMinutes)
            [pscustomobject]@{ ExitCode = $global:Machine.ExitCode }
        }
    }

    It 'waits for the running setup when ccmsetup says setup is already running (8), then passes on the read-back' {
        Set-Machine -ExitCode 8
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'ccmsetup bootstrap exited with 8 (setup already running): waiting for the running setup'
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 3
        $r.Output | Should -Contain 'ConfigMgr client installed and assigned to PS1, internet-only (ClientAlwaysOnInternet=1)'
    }

    It 'fails at once on reboot required (7) when the client is not installed yet, saying the restart is needed and how' {
        Set-Machine -ExitCode 7 -InstallMinutes 999
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('client-agent-install failed: ccmsetup exited with 7 (reboot required): the client install completes only after CM01 restarts, and the lab never restarts a client on its own.'))
        $r.Text | Should -Match ([regex]::Escape('Restart CM01 (az vm restart, or Restart-Computer on it), then run pulumi up again'))
        Get-FakeNow | Should -Be $Start
    }

    It 'passes with a warning on reboot required (7) when the read-back finds the client installed and assigned' {
        Set-Machine -ExitCode 7 -InstallMinutes 0
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Text | Should -Match ([regex]::Escape('ccmsetup exited with 7 (reboot required), but the client is installed and assigned to PS1: a restart of CM01 is still pending'))
        $r.Output | Should -Contain 'ConfigMgr client installed and assigned to PS1, internet-only (ClientAlwaysOnInternet=1)'
    }

    It 'fails at once on ccmsetup exit <Code>, naming its meaning and the ccmsetup.log lines with error or failed' -ForEach @(
        @{ Code = 6; Meaning = 'error' }
        @{ Code = 9; Meaning = 'prerequisite evaluation failure' }
        @{ Code = 10; Meaning = 'setup manifest hash validation failure' }
        @{ Code = 1603; Meaning = 'not a return code the ccmsetup documentation lists' }
    ) {
        $log = @(1..30 | ForEach-Object { "<![LOG[step $_ done]LOG]!>"; "<![LOG[Failed step $_ with error 0x80004005]LOG]!>" })
        Set-Machine -ExitCode $Code -InstallMinutes 999 -CcmsetupLog $log
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("client-agent-install failed: ccmsetup exited with $Code ($Meaning)"))
        $r.Text | Should -Match ([regex]::Escape("ccmsetup.log, last lines with error or failed:`n<![LOG[Failed step 11 with error"))
        $r.Text | Should -Match ([regex]::Escape('<![LOG[Failed step 30 with error 0x80004005]LOG]!>'))
        $r.Text | Should -Match ([regex]::Escape('<![LOG[Failed step 11 with error 0x80004005]LOG]!>'))
        $r.Text | Should -Not -Match ([regex]::Escape('<![LOG[Failed step 10 with error'))
        $r.Text | Should -Not -Match ([regex]::Escape('<![LOG[step 30 done]LOG]!>'))
        Get-FakeNow | Should -Be $Start
    }

    It 'shows the last 20 lines of ccmsetup.log when none says error or failed' {
        $log = @(1..30 | ForEach-Object { "<![LOG[step $_ done]LOG]!>" })
        Set-Machine -ExitCode 6 -InstallMinutes 999 -CcmsetupLog $log
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("ccmsetup.log, last lines:`n<![LOG[step 11 done]LOG]!>"))
        $r.Text | Should -Match ([regex]::Escape('<![LOG[step 11 done]LOG]!>'))
        $r.Text | Should -Match ([regex]::Escape('<![LOG[step 30 done]LOG]!>'))
        $r.Text | Should -Not -Match ([regex]::Escape('<![LOG[step 10 done]LOG]!>'))
    }

    It 'installs an internet-side client: the exact command line reaches ccmsetup.exe, then waits until it is assigned and internet-only' {
        Set-Machine
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $expected = "/source:\\DC01.corp.cmglab.example\CmgLabClient /mp:https://cmglabdev1a2b.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037927941 /NoCRLCheck CCMHOSTNAME=cmglabdev1a2b.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037927941 SMSSITECODE=PS1 AADTENANTID=72f988bf-86f1-41af-91ab-2d7cd011db47 AADCLIENTAPPID=11112222-bbbb-3333-cccc-4444dddd5555 AADRESOURCEURI=api://72f988bf-86f1-41af-91ab-2d7cd011db47/ConfigMgrService CCMALWAYSINF=1"
        Should -Invoke Start-Process -Times 1 -Exactly -ParameterFilter {
            (ConvertTo-WinPath $FilePath) -eq 'C:\ProgramData\CmgLab\ccmsetup\ccmsetup.exe' -and @($ArgumentList).Count -eq 1 -and $ArgumentList[0] -ceq $expected -and $Wait -and $PassThru
        }
        Should -Invoke Copy-Item -Times 1 -Exactly -ParameterFilter { (ConvertTo-WinPath $LiteralPath) -eq "$Share\ccmsetup.exe" }
        Should -Invoke gpupdate.exe -Times 0 -Exactly
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 3
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 4
        $r.Output | Should -Contain 'ConfigMgr client installed and assigned to PS1, internet-only (ClientAlwaysOnInternet=1)'
    }

    It 'installs an intranet-side client from the intranet MP, without CCMHOSTNAME or CCMALWAYSINF' {
        Set-Machine
        $p = $Params.Clone(); $p.CcmsetupArguments = $IntranetArgs; $p.InternetOnly = '0'
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $expected = '/source:\\DC01.corp.cmglab.example\CmgLabClient /mp:http://CM01.corp.cmglab.example /NoCRLCheck SMSSITECODE=PS1 AADTENANTID=72f988bf-86f1-41af-91ab-2d7cd011db47 AADCLIENTAPPID=11112222-bbbb-3333-cccc-4444dddd5555 AADRESOURCEURI=api://72f988bf-86f1-41af-91ab-2d7cd011db47/ConfigMgrService'
        Should -Invoke Start-Process -Times 1 -Exactly -ParameterFilter { $ArgumentList[0] -ceq $expected }
        $global:Machine.AlwaysOnInternet | Should -BeNullOrEmpty
        $r.Output | Should -Contain 'ConfigMgr client installed and assigned to PS1 (intranet side)'
    }

    It 'changes nothing on a client already installed, assigned and internet-only (second run)' {
        Set-Machine -Service 'Running' -Authority 'SMS:PS1' -AlwaysOnInternet 1
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Copy-Item -Times 0 -Exactly
        Should -Invoke New-Item -Times 0 -Exactly
        Should -Invoke gpupdate.exe -Times 0 -Exactly
        Get-FakeNow | Should -Be $Start
    }

    It 'reinstalls a running client that is not assigned to the site, and waits for the assignment' {
        Set-Machine -Service 'Running' -Authority '' -AlwaysOnInternet 1
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 1 -Exactly
        $global:Machine.Authority | Should -Be 'SMS:PS1'
    }

    It 'fails when its time is up with a client that runs but never gets assigned, naming the CMG route and Entra ID steps' {
        Set-Machine -AssignTo ''
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the ConfigMgr client runs but is not assigned to site PS1'))
        $r.Text | Should -Match ([regex]::Escape('steps cmg-connection-point and azure-services'))
        $r.Text | Should -Match ([regex]::Escape('after 30 minutes. ccmsetup.log:'))
        $r.Text | Should -Match ([regex]::Escape('Failed to get token for MP. Error 0x87d00231'))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 30
    }

    It 'fails when its time is up with no client service, showing the ccmsetup.log tail' {
        Set-Machine -InstallMinutes 999
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the ConfigMgr client is not installed (CcmExec not running) after 30 minutes'))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 30
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 32
    }

    It 'refreshes Group Policy once when the lab root CA is not trusted yet, then installs' {
        Set-Machine -RootCAs @() -GpoRootCAs @('CN=CORP Lab Root CA, DC=corp, DC=cmglab, DC=example')
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke gpupdate.exe -Times 1 -Exactly
        Should -Invoke Start-Process -Times 1 -Exactly
    }

    It 'fails before ccmsetup when the lab root CA stays untrusted, naming the cmg-certificate step' {
        Set-Machine -RootCAs @('CN=Other Root')
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the lab root CA 'CORP Lab Root CA' is not in LocalMachine\Root"))
        $r.Text | Should -Match 'cmg-certificate'
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'fails before ccmsetup when <Name>' -ForEach @(
        @{ Name = 'the share has no cmg-client.json (cmg-connection-point not done)'; Files = @{ 'ccmsetup.exe' = 'MZ' }; Message = 'the cmg-connection-point step has not published the client settings' }
        @{ Name = 'cmg-client.json holds no CMG route'; Files = @{ 'cmg-client.json' = '{ "mpPath": "" }'; 'ccmsetup.exe' = 'MZ' }; Message = 'cmg-client.json holds no CCM_Proxy_MutualAuth route' }
    ) {
        Set-Machine -ShareFiles $Files
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape($Message))
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'receives a CA name with spaces, quotes, $, % and non-ASCII letters intact' {
        Set-Machine -RootCAs @("CN=$LabAwkwardText, DC=corp")
        $p = $Params.Clone(); $p.CaCommonName = $LabAwkwardText
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke gpupdate.exe -Times 0 -Exactly
        Should -Invoke Start-Process -Times 1 -Exactly
    }

    It 'skips the CA check when CaCommonName is empty (a supplied CMG certificate)' {
        Set-Machine -RootCAs @()
        $p = $Params.Clone(); $p.CaCommonName = ''
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Get-ChildItem -Times 0 -Exactly -ParameterFilter { $Path -eq 'Cert:\LocalMachine\Root' }
        Should -Invoke gpupdate.exe -Times 0 -Exactly
        Should -Invoke Start-Process -Times 1 -Exactly
    }

    It 'reads the settings and ccmsetup.exe from a share whose name has a space and non-ASCII letters' {
        $odd = '\\DC01.corp.cmglab.example\Cmg Lab é'
        Set-Machine
        $script:Share = $odd
        try {
            $p = $Params.Clone(); $p.ClientShareUnc = $odd
            $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $p
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Copy-Item -Times 1 -Exactly -ParameterFilter { (ConvertTo-WinPath $LiteralPath) -ceq '\\DC01.corp.cmglab.example\Cmg Lab é\ccmsetup.exe' }
        } finally {
            $script:Share = '\\DC01.corp.cmglab.example\CmgLabClient'
        }
    }

    It 'stops before any change when <Name>' -ForEach @(
        @{ Name = 'InternetOnly is 1 but the arguments lack CCMALWAYSINF=1'; Change = @{ CcmsetupArguments = { $InternetArgs -replace ' CCMALWAYSINF=1', '' } }; Parameter = 'CCMALWAYSINF=1' }
        @{ Name = 'InternetOnly is 0 but the arguments hold CCMALWAYSINF=1'; Change = @{ InternetOnly = '0' }; Parameter = 'CCMALWAYSINF=1' }
        @{ Name = 'InternetOnly is not 0 or 1'; Change = @{ InternetOnly = 'yes' }; Parameter = 'InternetOnly' }
        @{ Name = 'the arguments name no site code'; Change = @{ CcmsetupArguments = { $InternetArgs -replace 'SMSSITECODE=PS1 ', '' } }; Parameter = 'CcmsetupArguments' }
        @{ Name = 'the share is not a UNC path'; Change = @{ ClientShareUnc = 'C:\CmgLabClient' }; Parameter = 'ClientShareUnc' }
        @{ Name = 'WaitMinutes is not a number'; Change = @{ WaitMinutes = 'thirty' }; Parameter = 'WaitMinutes' }
        @{ Name = 'CcmsetupArguments is empty'; Change = @{ CcmsetupArguments = '' }; Parameter = 'CcmsetupArguments' }
        @{ Name = 'CcmsetupArguments is missing'; Change = @{ CcmsetupArguments = $null }; Parameter = 'CcmsetupArguments' }
    ) {
        Set-Machine
        $p = $Params.Clone()
        foreach ($k in $Change.Keys) {
            $v = $Change[$k]
            if ($null -eq $v) { $p.Remove($k) } elseif ($v -is [scriptblock]) { $p[$k] = & $v } else { $p[$k] = $v }
        }
        $r = Invoke-LabScript -Name 'client-agent-install.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match ([regex]::Escape($Parameter))
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Copy-Item -Times 0 -Exactly
        Should -Invoke New-Item -Times 0 -Exactly
    }
}
