# entra-connect-prerequisites.ps1: the TLS 1.2 registry values Entra Connect needs, set when
# missing and read back, and .NET Framework 4.7.2 or later. The script takes no parameters, so
# there is no transport or bad-input case; its input is the registry, modelled here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:NetFx = 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full'
    $script:Wow = 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319'
    $script:Net = 'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'
    $script:Server = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server'
    $script:Client = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client'

    # The registry: key -> value name -> value. Keys absent from the table do not exist.
    # A fresh Windows Server 2022 image has both .NET keys (without the TLS values) and no
    # SCHANNEL protocol keys; .NET Framework 4.8 (Release 528449).
    function Set-Registry {
        param([int] $Release = 528449, [hashtable] $Extra = @{})
        $global:Registry = @{
            $NetFx = @{ Release = $Release }
            $Wow = @{}
            $Net = @{}
        }
        foreach ($key in $Extra.Keys) { $global:Registry[$key] = $Extra[$key].Clone() }
        $global:RegistryWrites = New-Object System.Collections.Generic.List[string]
    }
    function Get-AllTlsValues {
        param([int] $Value = 1)
        @{
            $Wow = @{ SystemDefaultTlsVersions = $Value; SchUseStrongCrypto = $Value }
            $Net = @{ SystemDefaultTlsVersions = $Value; SchUseStrongCrypto = $Value }
            $Server = @{ Enabled = $Value; DisabledByDefault = 0 }
            $Client = @{ Enabled = $Value; DisabledByDefault = 0 }
        }
    }
}

Describe 'entra-connect-prerequisites.ps1' {
    BeforeEach {
        # -Path is string[] on these cmdlets: the model keys on the one path the script passes.
        Mock Test-Path { $global:Registry.ContainsKey(@($Path)[0]) } -ParameterFilter { $Path -like 'HKLM:\*' }
        Mock Get-ItemProperty {
            $key = $global:Registry[@($Path)[0]]
            $n = @($Name)[0]
            if (($null -eq $key) -or (-not $key.ContainsKey($n))) { return $null }
            [pscustomobject]@{ $n = $key[$n] }
        } -ParameterFilter { $Path -like 'HKLM:\*' }
        Mock New-Item {
            $p = @($Path)[0]
            if (-not $global:Registry.ContainsKey($p)) { $global:Registry[$p] = @{} }
            $global:RegistryWrites.Add("key $p")
        } -ParameterFilter { $Path -like 'HKLM:\*' }
        Mock New-ItemProperty {
            $p = @($Path)[0]
            if (-not $global:Registry.ContainsKey($p)) { throw "Cannot find path '$p' because it does not exist." }
            if ($PropertyType -ne 'DWord') { throw "the test expects DWORD values, got $PropertyType" }
            $global:Registry[$p][$Name] = [int] $Value
            $global:RegistryWrites.Add("$p\$Name")
        } -ParameterFilter { $Path -like 'HKLM:\*' }
    }

    It 'creates the SCHANNEL keys, sets all eight DWORD values and reads them back' {
        Set-Registry
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Registry[$Wow].SystemDefaultTlsVersions | Should -Be 1
        $global:Registry[$Wow].SchUseStrongCrypto | Should -Be 1
        $global:Registry[$Net].SystemDefaultTlsVersions | Should -Be 1
        $global:Registry[$Net].SchUseStrongCrypto | Should -Be 1
        $global:Registry[$Server].Enabled | Should -Be 1
        $global:Registry[$Server].DisabledByDefault | Should -Be 0
        $global:Registry[$Client].Enabled | Should -Be 1
        $global:Registry[$Client].DisabledByDefault | Should -Be 0
        Should -Invoke New-Item -Times 2 -Exactly
        Should -Invoke New-Item -Times 1 -Exactly -ParameterFilter { @($Path)[0] -eq $Server }
        Should -Invoke New-Item -Times 1 -Exactly -ParameterFilter { @($Path)[0] -eq $Client }
        Should -Invoke New-ItemProperty -Times 8 -Exactly -ParameterFilter { $PropertyType -eq 'DWord' }
        $r.Output | Should -Contain 'TLS 1.2 registry values for Entra Connect set'
        $r.Output | Should -Contain 'TLS 1.2 enforced for .NET and SChannel; .NET Framework 4.7.2 or later present'
    }

    It 'corrects a value that differs (SchUseStrongCrypto = 0) and leaves existing keys in place' {
        $values = Get-AllTlsValues
        $values[$Net].SchUseStrongCrypto = 0
        Set-Registry -Extra $values
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Registry[$Net].SchUseStrongCrypto | Should -Be 1
        Should -Invoke New-Item -Times 0 -Exactly
    }

    It 'changes nothing when every value is already in place (second run)' {
        Set-Registry -Extra (Get-AllTlsValues)
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-Item -Times 0 -Exactly
        Should -Invoke New-ItemProperty -Times 0 -Exactly
        $r.Output | Should -Not -Contain 'TLS 1.2 registry values for Entra Connect set'
        $r.Output | Should -Contain 'TLS 1.2 enforced for .NET and SChannel; .NET Framework 4.7.2 or later present'
    }

    It 'fails naming every value that did not stick when the writes are lost' {
        Set-Registry -Extra @{ $Server = @{ Enabled = 1; DisabledByDefault = 0 }; $Client = @{ Enabled = 1; DisabledByDefault = 0 } }
        Mock New-ItemProperty { $global:RegistryWrites.Add("$Path\$Name") } -ParameterFilter { $Path -like 'HKLM:\*' }
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("entra-connect-prerequisites failed: TLS 1.2 registry values not in place: $Wow\SystemDefaultTlsVersions, $Wow\SchUseStrongCrypto, $Net\SystemDefaultTlsVersions, $Net\SchUseStrongCrypto"))
        $r.Text | Should -Not -Match 'TLS 1.2 enforced for'
    }

    It 'fails with the registry error when a write is refused' {
        Set-Registry
        Mock New-ItemProperty { throw "Requested registry access is not allowed." } -ParameterFilter { $Path -like 'HKLM:\*' }
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'entra-connect-prerequisites failed: Requested registry access is not allowed\.'
    }

    It 'stops before any change when .NET Framework is older than 4.7.2 (Release <Release>)' -ForEach @(
        @{ Release = 461308 }   # 4.7.1
        @{ Release = 0 }        # no Release value read
    ) {
        Set-Registry -Release $Release
        if ($Release -eq 0) { $global:Registry[$NetFx] = @{} }
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('Entra Connect needs .NET Framework 4.7.2 or later, which this image does not have (use the Windows Server 2022 image)'))
        Should -Invoke New-Item -Times 0 -Exactly
        Should -Invoke New-ItemProperty -Times 0 -Exactly
    }

    It 'accepts exactly .NET Framework 4.7.2 (Release 461808)' {
        Set-Registry -Release 461808 -Extra (Get-AllTlsValues)
        $r = Invoke-LabScript -Name 'entra-connect-prerequisites.ps1'
        $r.ExitCode | Should -Be 0 -Because $r.Text
    }
}
