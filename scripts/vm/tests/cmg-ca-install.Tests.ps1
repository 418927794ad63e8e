# cmg-ca-install.ps1: the lab's enterprise root CA on the DC (AD CS role, then the CA), waited
# for until CertSvc runs with the CA's name.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Params = @{ CaCommonName = 'CORP Lab Root CA'; ValidityYears = '5'; WaitMinutes = '10' }

    # The DC: role installed or not, the CA configured (CertSvc\Configuration Active), and
    # CertSvc running from RunsAfterSeconds (fake clock) after the CA was set up.
    function Set-Dc {
        param([bool] $Role = $false, [string] $Active = '', [int] $RunsAfterSeconds = 0, [bool] $Starts = $true)
        $global:Dc = @{ Role = $Role; Active = $Active; ConfiguredAt = (Get-FakeNow); RunsAfterSeconds = $RunsAfterSeconds; Starts = $Starts }
    }
}

Describe 'cmg-ca-install.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-WindowsFeature { [pscustomobject]@{ Name = $Name; Installed = $global:Dc.Role } }
        Mock Install-WindowsFeature { $global:Dc.Role = $true }
        Mock Get-ItemProperty {
            if ($global:Dc.Active) { [pscustomobject]@{ Active = $global:Dc.Active } }
        } -ParameterFilter { $LiteralPath -eq 'HKLM:\SYSTEM\CurrentControlSet\Services\CertSvc\Configuration' }
        Mock Get-Service {
            if (-not $global:Dc.Active) { return $null }
            $running = $global:Dc.Starts -and (Get-FakeNow) -ge $global:Dc.ConfiguredAt.AddSeconds($global:Dc.RunsAfterSeconds)
            [pscustomobject]@{ Name = 'CertSvc'; Status = $(if ($running) { 'Running' } else { 'Stopped' }) }
        } -ParameterFilter { $Name -eq 'CertSvc' }
        Mock Install-AdcsCertificationAuthority {
            $global:Dc.Active = $CACommonName
            $global:Dc.ConfiguredAt = Get-FakeNow
        }
    }

    It 'installs the role and an enterprise root CA, and waits until CertSvc runs' {
        Set-Dc -RunsAfterSeconds 25
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { $Name -eq 'ADCS-Cert-Authority' -and $IncludeManagementTools }
        Should -Invoke Install-AdcsCertificationAuthority -Times 1 -Exactly -ParameterFilter {
            $CAType -eq 'EnterpriseRootCA' -and $CACommonName -eq 'CORP Lab Root CA' -and $KeyLength -eq 2048 -and $HashAlgorithmName -eq 'SHA256' -and
            $ValidityPeriod -eq 'Years' -and $ValidityPeriodUnits -eq 5 -and $Force
        }
        $r.Output | Should -Contain "Enterprise root CA 'CORP Lab Root CA' is running"
        # Polled every 10 seconds: three polls for a service that starts after 25 seconds.
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 0, 30))
    }

    It 'changes nothing when the CA runs (second run)' {
        Set-Dc -Role $true -Active 'CORP Lab Root CA'
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Install-AdcsCertificationAuthority -Times 0 -Exactly
    }

    It 'refuses to replace another CA on the server' {
        Set-Dc -Role $true -Active 'Old Corp CA'
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "this server already hosts the CA 'Old Corp CA'; refusing to replace it with 'CORP Lab Root CA'"
        Should -Invoke Install-AdcsCertificationAuthority -Times 0 -Exactly
    }

    It 'times out naming the CA and CertSvc when the service never runs' {
        Set-Dc -Starts $false
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "the CA 'CORP Lab Root CA' is not running after 10 minutes \(CertSvc\)"
        (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 10, 0))
    }

    It 'fails with the cmdlet''s error when the CA setup fails' {
        Set-Dc -Role $true
        Mock Install-AdcsCertificationAuthority { throw 'The account is not an Enterprise Admin' }
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'cmg-ca-install failed: The account is not an Enterprise Admin'
    }

    It 'receives a CA name with spaces, quotes, $, % and non-ASCII intact' {
        Set-Dc
        $p = $Params.Clone(); $p.CaCommonName = $LabAwkwardText
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Install-AdcsCertificationAuthority -Times 1 -Exactly -ParameterFilter { $CACommonName -eq $LabAwkwardText }
    }

    It 'stops before any change when <Case>' -ForEach @(
        @{ Case = 'CaCommonName is missing'; Key = 'CaCommonName'; Value = $null }
        @{ Case = 'CaCommonName is empty'; Key = 'CaCommonName'; Value = '' }
        @{ Case = 'ValidityYears is not a number'; Key = 'ValidityYears'; Value = 'five' }
        @{ Case = 'WaitMinutes is not a number'; Key = 'WaitMinutes'; Value = '10m' }
    ) {
        Set-Dc
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'cmg-ca-install.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke Install-WindowsFeature -Times 0 -Exactly
        Should -Invoke Install-AdcsCertificationAuthority -Times 0 -Exactly
    }
}
