# entra-connect-verify.ps1: after the wizard, the sync engine runs, the AD connector of the
# forest and one Entra ID connector exist, password hash sync is on and the server is not in
# staging mode. Read-only. The sync engine is modelled as $global:Sync; the ADSync cmdlets read
# it, and fail when the ADSync service is not running (the wording of that error is modelled,
# UNCONFIRMED; the script does not depend on it). The connector members (Name,
# ConnectorTypeName 'AD', SubType of the Entra ID connector) are the ones Microsoft's password
# hash sync troubleshooting script matches.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Params = @{ ForestFqdn = 'corp.cmglab.example' }
    $script:Lead = 'entra-connect-verify failed: Entra Connect is not configured as the lab needs: '
    $script:Tail = '. Run the wizard again (Configure), fix that, then run pulumi up again.'

    function New-AdConnector {
        param([string] $Name)
        [pscustomobject]@{ Name = $Name; ConnectorTypeName = 'AD'; SubType = $null }
    }
    function New-EntraConnector {
        param([string] $Name = 'contoso.onmicrosoft.com - AAD')
        [pscustomobject]@{ Name = $Name; ConnectorTypeName = 'Extensible2'; SubType = 'Windows Azure Active Directory (Microsoft)' }
    }
    # What the wizard leaves behind when every page was answered as the lab's instructions say.
    # Connectors are given as 'AD:<name>' or 'Entra:<name>' (test cases are built at discovery,
    # before these functions exist).
    function Set-Sync {
        param($Service = 'Running', [string[]] $Connectors = @('AD:corp.cmglab.example', 'Entra:contoso.onmicrosoft.com - AAD'), [bool] $PasswordHashSync = $true, [bool] $Staging = $false)
        $objects = @(foreach ($c in $Connectors) {
                $kind, $name = $c -split ':', 2
                if ($kind -eq 'AD') { New-AdConnector -Name $name } else { New-EntraConnector -Name $name }
            })
        $global:Sync = @{ Service = $Service; Connectors = $objects; PasswordHashSync = $PasswordHashSync; Staging = $Staging }
    }
    function Assert-EngineUp {
        if ($global:Sync.Service -ne 'Running') { throw 'Unable to connect to the Synchronization Service. Some possible reasons are: 1) The service is not started.' }
    }
}

Describe 'entra-connect-verify.ps1' {
    BeforeEach {
        Mock Get-Service {
            if ($null -eq $global:Sync.Service) { return $null }
            [pscustomobject]@{ Name = 'ADSync'; Status = $global:Sync.Service }
        } -ParameterFilter { $Name -contains 'ADSync' }
        Mock Get-ItemProperty { $null } -ParameterFilter { $Path -like 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\*' }
        Mock Test-Path { $false }
        Mock Import-Module { } -ParameterFilter { $Name -eq 'ADSync' }
        Mock Get-ADSyncConnector { Assert-EngineUp; $global:Sync.Connectors }
        Mock Get-ADSyncAADCompanyFeature { Assert-EngineUp; [pscustomobject]@{ PasswordHashSync = $global:Sync.PasswordHashSync; ForcePasswordChangeOnLogOn = $false } }
        Mock Get-ADSyncScheduler { Assert-EngineUp; [pscustomobject]@{ StagingModeEnabled = $global:Sync.Staging; SyncCycleEnabled = $false; SyncCycleInProgress = $false } }
        Mock Set-ADSyncScheduler { }
        Mock Add-ADSyncConnector { }
    }

    It 'passes a server configured as the instructions say, changing nothing' {
        Set-Sync
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Entra Connect is configured: AD connector corp.cmglab.example, Entra ID connector, password hash sync on, not staging'
        Should -Invoke Get-ADSyncAADCompanyFeature -Times 1 -Scope It
        Should -Invoke Set-ADSyncScheduler -Times 0 -Exactly
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'fails with "<Says>" when <Case>' -ForEach @(
        @{ Case = 'the sync engine is not installed'; Sync = @{ Service = $null }; Says = 'the sync engine is not installed' }
        @{ Case = 'the wizard connected another forest'; Sync = @{ Connectors = @('AD:other.example', 'Entra:contoso.onmicrosoft.com - AAD') }; Says = 'no Active Directory connector for the forest corp.cmglab.example (found: other.example, contoso.onmicrosoft.com - AAD)' }
        @{ Case = 'there is no connector at all'; Sync = @{ Connectors = @() }; Says = 'no Active Directory connector for the forest corp.cmglab.example (found: ); expected one Entra ID connector, found 0' }
        @{ Case = 'the Entra ID connector is missing'; Sync = @{ Connectors = @('AD:corp.cmglab.example') }; Says = 'expected one Entra ID connector, found 0' }
        @{ Case = 'two Entra ID connectors exist'; Sync = @{ Connectors = @('AD:corp.cmglab.example', 'Entra:contoso.onmicrosoft.com - AAD', 'Entra:fabrikam.onmicrosoft.com - AAD') }; Says = 'expected one Entra ID connector, found 2' }
        @{ Case = 'password hash sync was not chosen'; Sync = @{ PasswordHashSync = $false }; Says = 'password hash synchronization is off' }
        @{ Case = 'staging mode was left ticked'; Sync = @{ Staging = $true }; Says = 'the server is in staging mode, so nothing is exported to Entra ID' }
        @{ Case = 'password hash sync is off and staging is on'; Sync = @{ PasswordHashSync = $false; Staging = $true }; Says = 'password hash synchronization is off; the server is in staging mode, so nothing is exported to Entra ID' }
    ) {
        Set-Sync @Sync
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("$Lead$Says$Tail"))
        $r.Text | Should -Not -Match 'Entra Connect is configured:'
    }

    It 'reports a stopped ADSync service as such, not as the error of the ADSync cmdlets that need it' {
        Set-Sync -Service 'Stopped'
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("${Lead}the ADSync service is Stopped, not Running (start it: Start-Service -Name ADSync)$Tail"))
    }

    It 'loads the ADSync module from the install folder the sync engine records' {
        Set-Sync
        Mock Get-ItemProperty { [pscustomobject]@{ Path = 'C:\Sync Engine é\' } } -ParameterFilter { $Path -eq 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters' -and $Name -eq 'Path' }
        # Join-Path writes '/' on this Linux test host where Windows writes '\'.
        Mock Test-Path { $true } -ParameterFilter { ($LiteralPath -replace '/', '\') -eq 'C:\Sync Engine é\Bin\ADSync\ADSync.psd1' }
        Mock Import-Module { } -ParameterFilter { ($Name -replace '/', '\') -eq 'C:\Sync Engine é\Bin\ADSync\ADSync.psd1' }
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Import-Module -Times 1 -Exactly -ParameterFilter { ($Name -replace '/', '\') -eq 'C:\Sync Engine é\Bin\ADSync\ADSync.psd1' }
        Should -Invoke Import-Module -Times 0 -Exactly -ParameterFilter { $Name -eq 'ADSync' }
    }

    It 'receives a forest name with spaces, quotes, $, % and non-ASCII intact' {
        Set-Sync -Connectors @("AD:$LabAwkwardText", 'Entra:contoso.onmicrosoft.com - AAD')
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters @{ ForestFqdn = $LabAwkwardText }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "Entra Connect is configured: AD connector Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本, Entra ID connector, password hash sync on, not staging"
    }

    It 'stops before reading anything when ForestFqdn is <What>' -ForEach @(
        @{ What = 'missing'; Value = $null }
        @{ What = 'empty'; Value = '' }
    ) {
        Set-Sync
        $p = @{}
        if ($null -ne $Value) { $p.ForestFqdn = $Value }
        $r = Invoke-LabScript -Name 'entra-connect-verify.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'ForestFqdn'
        Should -Invoke Get-Service -Times 0 -Exactly
        Should -Invoke Get-ADSyncConnector -Times 0 -Exactly
    }
}
