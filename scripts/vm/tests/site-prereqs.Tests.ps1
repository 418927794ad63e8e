# site-prereqs.ps1: the site server's Windows features installed and Remote Registry running,
# read back. Model ($global:Vm): the features Windows knows, which are installed and which have
# their payload removed from the image (Windows Update must deliver it), the moment internet names
# start to resolve on the fake clock (the DC is not up; site-media.ps1 switches DNS beside this
# script), and the Remote Registry service.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # The script's thin wrapper around the .NET resolver (mocked below).
    function global:Resolve-HostAddress {
        param([string] $HostName)
    }
    function global:Test-ModelDnsUp {
        return ((Get-FakeNow) -ge $global:Vm.DnsUpAt)
    }
    $script:Start = [datetime]::new(2026, 1, 1, 8, 0, 0)
    $script:WaitLine = 'Waiting up to 25 minutes for internet names to resolve (download.windowsupdate.com): Windows Update must deliver the payload of NET-Framework-Core'
    $script:ResolvedLine = 'Internet names resolve (download.windowsupdate.com): installing'

    $script:Known = @('NET-Framework-Core', 'RDC', 'BITS', 'Web-Server', 'Web-Asp-Net45')
    $script:Params = @{ Features = 'NET-Framework-Core,RDC, BITS,Web-Server,Web-Asp-Net45'; DnsWaitMinutes = '25' }

    # By default internet names never resolve (the DC is not up and nothing switched DNS yet).
    function Set-Vm {
        param([string[]] $Installed = @(), [string] $Status = 'Stopped', [string] $StartType = 'Manual', [string[]] $Removed = @(), [datetime] $DnsUpAt = [datetime]::MaxValue)
        $global:Vm = @{ Installed = @($Installed); Status = $Status; StartType = $StartType; InstallSticks = $true; Restart = 'No'
            Removed = @($Removed); DnsUpAt = $DnsUpAt; Resolved = New-Object System.Collections.Generic.List[string] }
    }
}

Describe 'site-prereqs.ps1' {
    BeforeEach {
        . Use-FakeClock -Start $Start
        Mock Get-WindowsFeature {
            foreach ($n in @($Name)) {
                if ($Known -contains $n) {
                    $installed = ($global:Vm.Installed -contains $n)
                    $state = $(if ($installed) { 'Installed' } elseif ($global:Vm.Removed -contains $n) { 'Removed' } else { 'Available' })
                    [pscustomobject]@{ Name = $n; Installed = $installed; InstallState = $state }
                }
            }
        }
        Mock Resolve-HostAddress {
            $global:Vm.Resolved.Add($HostName)
            if (Test-ModelDnsUp) { return @([System.Net.IPAddress]::Parse('13.107.4.50')) }
            throw 'No such host is known'
        }
        # Not expected: site-media.ps1 owns the DNS switch (asserted never called).
        Mock Set-DnsClientServerAddress { }
        Mock Install-WindowsFeature {
            # A removed payload comes from Windows Update: without internet names the install fails.
            if ((@($Name | Where-Object { $global:Vm.Removed -contains $_ }).Count -gt 0) -and (-not (Test-ModelDnsUp))) {
                return [pscustomobject]@{ Success = $false; ExitCode = 'Failed'; RestartNeeded = 'No' }
            }
            if ($global:Vm.InstallSticks) { $global:Vm.Installed = @($global:Vm.Installed) + @($Name) | Select-Object -Unique }
            [pscustomobject]@{ Success = $true; ExitCode = 'Success'; RestartNeeded = $global:Vm.Restart }
        }
        Mock Get-Service { [pscustomobject]@{ Name = 'RemoteRegistry'; Status = $global:Vm.Status; StartType = $global:Vm.StartType } } -ParameterFilter { $Name -eq 'RemoteRegistry' }
        Mock Set-Service { $global:Vm.StartType = [string] $StartupType } -ParameterFilter { $Name -eq 'RemoteRegistry' }
        Mock Start-Service { $global:Vm.Status = 'Running' } -ParameterFilter { $Name -eq 'RemoteRegistry' }
    }

    It 'installs the missing features in one call, starts Remote Registry automatically and reads both back' {
        Set-Vm -Installed @('RDC')
        $global:Vm.Restart = 'Yes'
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { (@($Name) -join ',') -eq 'NET-Framework-Core,RDC,BITS,Web-Server,Web-Asp-Net45' }
        $global:Vm.StartType | Should -Be 'Automatic'
        $global:Vm.Status | Should -Be 'Running'
        $r.Output | Should -Contain 'Windows asks for a restart: the domain join that follows restarts the machine'
        $r.Output | Should -Contain 'Site server prerequisites in place'
        # Every payload is on the image: no name lookup, no wait (DNS is down in this model).
        Should -Invoke Resolve-HostAddress -Times 0 -Exactly
        Should -Invoke Start-Sleep -Times 0 -Exactly
        $r.Output | Should -Not -Contain $WaitLine
    }

    It 'installs at once when a payload is removed and internet names already resolve' {
        Set-Vm -Removed @('NET-Framework-Core') -DnsUpAt $Start
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly
        @($global:Vm.Resolved) | Should -Be @('download.windowsupdate.com')
        Should -Invoke Start-Sleep -Times 0 -Exactly
        $r.Output | Should -Not -Contain $WaitLine
        $global:Vm.Installed | Should -Contain 'NET-Framework-Core'
        $r.Output | Should -Contain 'Site server prerequisites in place'
    }

    It 'waits for internet names before installing a removed payload (they resolve after 2 minutes), polling every 15 to 30 seconds' {
        Set-Vm -Removed @('NET-Framework-Core') -DnsUpAt $Start.AddMinutes(2)
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $lines = @($r.Output)
        $lines | Should -Contain $WaitLine
        $lines | Should -Contain $ResolvedLine
        [array]::IndexOf($lines, $ResolvedLine) | Should -BeGreaterThan ([array]::IndexOf($lines, $WaitLine))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 2
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 2.6
        Should -Invoke Start-Sleep -Times 4 -ParameterFilter { ($Seconds -ge 15) -and ($Seconds -le 30) }
        Should -Invoke Start-Sleep -Times 0 -Exactly -ParameterFilter { -not (($Seconds -ge 15) -and ($Seconds -le 30)) }
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly
        $global:Vm.Installed | Should -Contain 'NET-Framework-Core'
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
    }

    It 'fails after DnsWaitMinutes when internet names never resolve, naming site-media and what to check, and installs nothing' {
        Set-Vm -Removed @('NET-Framework-Core')
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Output | Should -Contain $WaitLine
        $r.Output | Should -Not -Contain $ResolvedLine
        $r.Text | Should -Match 'site-prereqs failed: internet names did not resolve within 25 minutes \(download\.windowsupdate\.com\), so Windows Update cannot deliver the payload of NET-Framework-Core\.'
        $r.Text | Should -Match 'site-media\.ps1 switches this VM to Azure DNS \(168\.63\.129\.16\) while the domain controller does not answer'
        $r.Text | Should -Match 'check the output of the site-media run command on this VM'
        $r.Text | Should -Match 'the DNS servers of the VNet'
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 25
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 26
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
    }

    It 'changes nothing when everything is in place (second run)' {
        Set-Vm -Installed $Known -Status 'Running' -StartType 'Automatic'
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
        Should -Invoke Start-Service -Times 0 -Exactly
        Should -Invoke Resolve-HostAddress -Times 0 -Exactly
        Should -Invoke Start-Sleep -Times 0 -Exactly
    }

    It 'fails the read-back when the features do not stick' {
        Set-Vm -Status 'Running' -StartType 'Automatic'
        $global:Vm.InstallSticks = $false
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the site server prerequisites are not in place'
    }

    It 'fails naming the exit code when Install-WindowsFeature does not succeed' {
        Set-Vm
        Mock Install-WindowsFeature { [pscustomobject]@{ Success = $false; ExitCode = 'FailedRestartRequired'; RestartNeeded = 'Yes' } }
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'Install-WindowsFeature did not succeed \(exit code FailedRestartRequired\)'
    }

    It 'stops before any change on a feature name Windows does not know (it was counted as installed before)' {
        Set-Vm -Installed $Known -Status 'Stopped'
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters @{ Features = "RDC,Web Server é `$x %y%"; DnsWaitMinutes = '25' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("Features names Windows features this server does not know: Web Server é `$x %y%"))
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Start-Service -Times 0 -Exactly
    }

    It 'stops before any change when Features is missing, empty or only commas' -TestCases @(
        @{ Value = $null }, @{ Value = '' }, @{ Value = ' , ,' }
    ) {
        Set-Vm
        $p = @{ DnsWaitMinutes = '25' }
        if ($null -ne $Value) { $p.Features = $Value }
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'Features'
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
    }

    It 'stops before any change when DnsWaitMinutes is <Case>' -TestCases @(
        @{ Case = 'missing'; Value = $null }
        @{ Case = 'empty'; Value = '' }
        @{ Case = 'words'; Value = 'half an hour' }
        @{ Case = 'negative'; Value = '-5' }
        @{ Case = 'a fraction'; Value = '2.5' }
        @{ Case = 'padded'; Value = ' 10' }
    ) {
        Set-Vm -Removed @('NET-Framework-Core') -DnsUpAt $Start
        $p = @{ Features = $Params.Features }
        if ($null -ne $Value) { $p.DnsWaitMinutes = $Value }
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'DnsWaitMinutes'
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
    }
}
