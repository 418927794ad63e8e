# ad-forest-promote.ps1: AD DS and DNS installed, Install-ADDSForest without its own reboot, the
# restart scheduled a few seconds after the script ends; a DC is left alone, a promotion pending
# its reboot is restarted (not promoted again), and the result is read back from the machine.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'corp.cmglab.example'
    $script:Params = @{ DomainFqdn = $Fqdn; NetbiosName = 'CORP'; SafeModePassword = 'Dsrm!Pass-123' }
    $script:NtdsKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\NTDS\Parameters'

    # The server: its role (Win32_ComputerSystem), features, the NTDS service parameters that a
    # promotion writes before its reboot, what Install-ADDSForest got and the restart scheduled.
    function Set-Server {
        param([int] $Role = 2, [string] $Domain = 'WORKGROUP', [bool] $PartOfDomain = $false, [bool] $Features = $false, [bool] $Ntds = $false)
        $global:Win = @{
            Role = $Role; Domain = $Domain; PartOfDomain = $PartOfDomain
            Features = @{ 'AD-Domain-Services' = $Features; 'DNS' = $Features }
            Ntds = $Ntds; Forest = $null; Restart = $null
        }
    }
}

Describe 'ad-forest-promote.ps1' {
    BeforeEach {
        Mock Get-CimInstance { [pscustomobject]@{ DomainRole = $global:Win.Role; Domain = $global:Win.Domain; PartOfDomain = $global:Win.PartOfDomain } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Get-WindowsFeature { foreach ($n in $Name) { [pscustomobject]@{ Name = $n; Installed = $global:Win.Features[$n] } } }
        Mock Install-WindowsFeature { foreach ($n in $Name) { $global:Win.Features[$n] = $true } }
        Mock Get-ItemProperty {
            if ($global:Win.Ntds) { [pscustomobject]@{ 'DSA Database file' = 'C:\Windows\NTDS\ntds.dit'; 'DSA Working Directory' = 'C:\Windows\NTDS' } }
        } -ParameterFilter { "$Path" -eq $NtdsKey }
        Mock Import-Module { } -ParameterFilter { "$Name" -eq 'ADDSDeployment' }
        Mock Install-ADDSForest {
            $global:Win.Forest = @{
                Domain = $DomainName; Netbios = $DomainNetbiosName
                Dsrm = [System.Net.NetworkCredential]::new('', $SafeModeAdministratorPassword).Password
                InstallDns = [bool] $InstallDns; Delegation = [bool] $CreateDnsDelegation; NoReboot = [bool] $NoRebootOnCompletion; Force = [bool] $Force
            }
            # A promotion writes the directory service's parameters; the role changes at the reboot.
            $global:Win.Ntds = $true
        }
        Mock shutdown.exe { $global:Win.Restart = @($args) }
    }

    It 'installs AD DS and DNS, creates the forest without its own reboot and schedules the restart seconds later' {
        Set-Server
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { ($Name -join ',') -eq 'AD-Domain-Services,DNS' -and $IncludeManagementTools -and -not $Restart }
        Should -Invoke Install-ADDSForest -Times 1 -Exactly
        $global:Win.Forest.Domain | Should -BeExactly $Fqdn
        $global:Win.Forest.Netbios | Should -BeExactly 'CORP'
        $global:Win.Forest.Dsrm | Should -BeExactly 'Dsrm!Pass-123'
        $global:Win.Forest.InstallDns | Should -BeTrue
        $global:Win.Forest.Delegation | Should -BeFalse
        $global:Win.Forest.NoReboot | Should -BeTrue
        $global:Win.Restart[0..2] | Should -Be @('/r', '/t', '10')
    }

    It 'changes nothing on a domain controller of the domain (second run, after the reboot)' {
        Set-Server -Role 5 -Domain $Fqdn -PartOfDomain $true -Features $true -Ntds $true
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "Already a domain controller of $Fqdn"
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Install-ADDSForest -Times 0 -Exactly
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'restarts a promotion that waits for its reboot instead of promoting again' {
        Set-Server -Features $true -Ntds $true
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-ADDSForest -Times 0 -Exactly
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        $global:Win.Restart[0..2] | Should -Be @('/r', '/t', '10')
    }

    It 'fails when the promotion left no trace on the machine (read back, not assumed)' {
        Set-Server -Features $true
        Mock Install-ADDSForest { }
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the promotion to $Fqdn did not take effect"))
        $r.Text | Should -Match 'NTDS'
    }

    It 'fails naming the features when Install-WindowsFeature did not install them' {
        Set-Server
        Mock Install-WindowsFeature { }
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'AD-Domain-Services and DNS are not installed after Install-WindowsFeature'
        Should -Invoke Install-ADDSForest -Times 0 -Exactly
    }

    It 'fails with the cmdlet error when Install-ADDSForest refuses, and does not restart' {
        Set-Server -Features $true
        Mock Install-ADDSForest { throw 'Verification of prerequisites for Domain Controller promotion failed.' }
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'ad-forest-promote failed: Verification of prerequisites'
        $global:Win.Restart | Should -BeNullOrEmpty
    }

    It 'refuses a member of another domain before any change' {
        Set-Server -Role 3 -Domain 'other.example' -PartOfDomain $true
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'this machine is a member of other.example, not a fresh server for the new forest corp.cmglab.example'
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Install-ADDSForest -Times 0 -Exactly
    }

    It 'hands the DSRM password and names to Install-ADDSForest intact' {
        Set-Server -Features $true
        $p = $Params.Clone(); $p.SafeModePassword = $LabAwkwardText; $p.NetbiosName = 'LAB-é$%'
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Win.Forest.Dsrm | Should -BeExactly $LabAwkwardText
        $global:Win.Forest.Netbios | Should -BeExactly 'LAB-é$%'
    }

    It 'stops before any change when <Name> is <Case>' -ForEach @(
        @{ Name = 'DomainFqdn'; Case = 'missing'; Value = $null }
        @{ Name = 'NetbiosName'; Case = 'empty'; Value = '' }
        @{ Name = 'SafeModePassword'; Case = 'empty'; Value = '' }
    ) {
        Set-Server
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'ad-forest-promote.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Install-ADDSForest -Times 0 -Exactly
    }
}
