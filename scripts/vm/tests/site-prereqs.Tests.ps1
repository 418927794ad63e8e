# site-prereqs.ps1: the site server's Windows features installed and Remote Registry running,
# read back. Model ($global:Vm): the features Windows knows and which are installed, and the
# Remote Registry service.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Known = @('NET-Framework-Core', 'RDC', 'BITS', 'Web-Server', 'Web-Asp-Net45')
    $script:Params = @{ Features = 'NET-Framework-Core,RDC, BITS,Web-Server,Web-Asp-Net45' }

    function Set-Vm {
        param([string[]] $Installed = @(), [string] $Status = 'Stopped', [string] $StartType = 'Manual')
        $global:Vm = @{ Installed = @($Installed); Status = $Status; StartType = $StartType; InstallSticks = $true; Restart = 'No' }
    }
}

Describe 'site-prereqs.ps1' {
    BeforeEach {
        Mock Get-WindowsFeature {
            foreach ($n in @($Name)) {
                if ($Known -contains $n) { [pscustomobject]@{ Name = $n; Installed = ($global:Vm.Installed -contains $n) } }
            }
        }
        Mock Install-WindowsFeature {
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
    }

    It 'changes nothing when everything is in place (second run)' {
        Set-Vm -Installed $Known -Status 'Running' -StartType 'Automatic'
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
        Should -Invoke Start-Service -Times 0 -Exactly
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
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters @{ Features = "RDC,Web Server é `$x %y%" }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("Features names Windows features this server does not know: Web Server é `$x %y%"))
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Start-Service -Times 0 -Exactly
    }

    It 'stops before any change when Features is missing, empty or only commas' -TestCases @(
        @{ Value = $null }, @{ Value = '' }, @{ Value = ' , ,' }
    ) {
        Set-Vm
        $p = @{}
        if ($null -ne $Value) { $p.Features = $Value }
        $r = Invoke-LabScript -Name 'site-prereqs.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'Features'
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Set-Service -Times 0 -Exactly
    }
}
