# cmg-create.ps1: New-CMCloudManagementGateway in the non-interactive form, with -TenantId and
# -VMSSVMSize only where the installed cmdlet has them, then a bounded wait for "ready"
# (State 0 and StatusDetails 1; a missing value is never ready).
#
# Cmdlet builds: the strict stub is the catalogued cmdlet (documented parameters, -TenantId
# included, -VMSSVMSize not, one parameter set). Other builds are simulated by a global function
# New-CMCloudManagementGateway with their parameters, defined after Import-LabStubs; the script's
# Get-Command probe then reads that function's real parameter metadata (through Pester's mock of
# it). Import-LabStubs afterwards puts the strict stub back.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
    $script:Pfx = 'C:\ProgramData\CmgLab\cmg.pfx'
    $script:Params = @{
        SiteCode = 'PS1'
        SiteServerFqdn = 'CM01.corp.cmglab.example'
        ServiceFqdn = 'cmglab1a2b.westeurope.cloudapp.azure.com'
        Region = 'WestEurope'
        InstanceCount = '1'
        VmSize = 'Standard_A2_v2'
        VmSizeNames = 'Standard_A2_v2;A2_v2;Standard;Medium'
        DefaultVmSize = 'Standard_A2_v2'
        SubscriptionId = '00000000-0000-0000-0000-000000000001'
        GroupName = 'rg-cmglab-cmg'
        ServerAppClientId = '11111111-2222-3333-4444-555555555555'
        TenantId = $Tenant
        PfxPath = $Pfx
        WaitMinutes = '50'
        PfxPassword = 'pfx-secret'
    }

    # The site's CMG: absent, or present with the values Get-CMCloudManagementGateway shows,
    # provisioning until ReadyAfterMinutes (fake clock) after its creation.
    function Set-Cmg {
        param(
            [bool] $Exists = $false,
            [hashtable] $Provisioning = @{ State = 3; StatusDetails = 0 },
            [hashtable] $Ready = @{ State = 0; StatusDetails = 1 },
            [int] $ReadyAfterMinutes = 0
        )
        $global:Cmg = @{ Exists = $Exists; Provisioning = $Provisioning; Ready = $Ready; ReadyAfterMinutes = $ReadyAfterMinutes; CreatedAt = (Get-FakeNow); Name = $null }
        if ($Exists) { $global:Cmg.Name = $Params.ServiceFqdn }
    }

    # Simulated cmdlet builds (parameter names as in the cmdlet help; values of -VMSSVMSize are
    # not documented: the set here is the console's names, an assumption of the test).
    $script:CommonSets = @'
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [hashtable] $CARootCert,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [bool] $CheckClientCertRevocation,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $Description,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [bool] $EnableCloudDPFunction,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [bool] $EnforceProtocol,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $EnvironmentSetting,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [switch] $Force,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive', Mandatory = $true)] [string] $GroupName,
        [Parameter(ParameterSetName = 'Interactive')]EXISTINGGROUP [bool] $IsUsingExistingGroup,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $Region,
        [Parameter(ParameterSetName = 'Non-Interactive', Mandatory = $true)] [string] $ServerAppClientId,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [securestring] $ServiceCertPassword,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $ServiceCertPath,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $ServiceName,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive', Mandatory = $true)] [string] $SubscriptionId,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [int] $VMInstanceCount
'@
    function Use-CmdletBuild {
        param([ValidateSet('2010', '2309', '2603')] [string] $Build)
        $extra = ''
        # 2603 takes -IsUsingExistingGroup with -ServerAppClientId (what's new in 2603).
        $sets = $CommonSets.Replace('EXISTINGGROUP', $(if ($Build -eq '2603') { " [Parameter(ParameterSetName = 'Non-Interactive')]" } else { '' }))
        if ($Build -ne '2010') {
            $extra = @'
,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [string] $TenantId,
        [Parameter(ParameterSetName = 'Interactive')] [Parameter(ParameterSetName = 'Non-Interactive')] [ValidateSet('Lab', 'Standard', 'Large')] [string] $VMSSVMSize
'@
        }
        $text = "[CmdletBinding(DefaultParameterSetName = 'Interactive')]`nparam(`n$sets$extra`n)`nthrow 'not mocked: simulated New-CMCloudManagementGateway'"
        Set-Item -Path 'function:global:New-CMCloudManagementGateway' -Value ([scriptblock]::Create($text))
        # The script's probe reads this build's metadata; Pester's mock of the cmdlet does not
        # carry the parameter sets of a global function through to Get-Command, so the probe is
        # answered with the simulated function itself.
        $global:SimulatedCmdlet = Get-Command -Name New-CMCloudManagementGateway -CommandType Function -All | Where-Object { -not $_.Source }
    }
}

Describe 'cmg-create.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Test-Path { $true } -ParameterFilter { $LiteralPath -eq $global:PfxOnDisk }
        $global:PfxOnDisk = $Pfx
        Mock Get-CMCloudManagementGateway {
            if (-not $global:Cmg.Exists -or $Name -ne $global:Cmg.Name) { return $null }
            $stage = if ((Get-FakeNow) -ge $global:Cmg.CreatedAt.AddMinutes($global:Cmg.ReadyAfterMinutes)) { $global:Cmg.Ready } else { $global:Cmg.Provisioning }
            $props = [ordered]@{ Name = $global:Cmg.Name; ServiceType = 'CloudProxyService' }
            foreach ($k in $stage.Keys) { $props[$k] = $stage[$k] }
            [pscustomobject] $props
        }
        Mock New-CMCloudManagementGateway {
            $global:Created = $PesterBoundParameters
            $global:Cmg.Exists = $true
            $global:Cmg.Name = $ServiceName
            $global:Cmg.CreatedAt = Get-FakeNow
        }
        Mock Get-ItemProperty { [pscustomobject]@{ 'Installation Directory' = 'C:\Program Files\Microsoft Configuration Manager' } } -ParameterFilter { $LiteralPath -eq 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' }
        Mock Test-Path { $true } -ParameterFilter { $LiteralPath -match 'CloudMgr\.log$' }
        Mock Get-Content { 'ERROR: Failed to deploy the VM scale set: AuthorizationFailed' } -ParameterFilter { $LiteralPath -match 'CloudMgr\.log$' }
        $global:Created = $null
    }

    Context 'with the catalogued cmdlet (documented parameters, -TenantId, no -VMSSVMSize)' {
        BeforeAll { $global:StubCmdlet = Get-Command -Name New-CMCloudManagementGateway -Module CmgLabStubs }
        BeforeEach { Mock Get-Command { $global:StubCmdlet } -ParameterFilter { $Name -eq 'New-CMCloudManagementGateway' } }
        It 'creates the CMG non-interactively with the tenant, into the existing group, and waits until it is ready' {
            Set-Cmg -ReadyAfterMinutes 3
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke New-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter {
                $ServerAppClientId -eq '11111111-2222-3333-4444-555555555555' -and $SubscriptionId -eq '00000000-0000-0000-0000-000000000001' -and
                $GroupName -eq 'rg-cmglab-cmg' -and $TenantId -eq '72f988bf-86f1-41af-91ab-2d7cd011db47' -and $ServiceName -eq 'cmglab1a2b.westeurope.cloudapp.azure.com' -and
                $ServiceCertPath -eq 'C:\ProgramData\CmgLab\cmg.pfx' -and $Region -eq 'WestEurope' -and $VMInstanceCount -eq 1 -and
                $EnvironmentSetting -eq 'AzurePublicCloud' -and $IsUsingExistingGroup -eq $true -and $Force
            }
            $global:Created.ContainsKey('VMSSVMSize') | Should -BeFalse
            [System.Net.NetworkCredential]::new('', $global:Created.ServiceCertPassword).Password | Should -Be 'pfx-secret'
            $r.Output | Should -Contain 'CMG cmglab1a2b.westeurope.cloudapp.azure.com is ready (State=0, StatusDetails=1); size: the site shows no size property; see Properties > Settings > VM Size in the console'
            # Polled once a minute: done within a minute of becoming ready.
            (Get-FakeNow) | Should -BeGreaterOrEqual ([datetime]::new(2026, 1, 1, 8, 3, 0))
            (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 4, 0))
        }

        It 'changes nothing when the CMG exists and is ready (second run)' {
            Set-Cmg -Exists $true
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke New-CMCloudManagementGateway -Times 0 -Exactly
        }

        It 'never counts a missing <Missing> as ready, and times out naming both values' -ForEach @(
            @{ Missing = 'State'; Ready = @{ StatusDetails = 1 }; Shown = 'State=\(none\), StatusDetails=1' }
            @{ Missing = 'StatusDetails'; Ready = @{ State = 0 }; Shown = 'State=0, StatusDetails=\(none\)' }
            @{ Missing = 'State and StatusDetails'; Ready = @{ State = $null; StatusDetails = '' }; Shown = 'State=\(none\), StatusDetails=\(none\)' }
        ) {
            Set-Cmg -Exists $true -Ready $Ready
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match "CMG cmglab1a2b\.westeurope\.cloudapp\.azure\.com not ready after 50 minutes \($Shown; ready is State 0 with StatusDetails 1\)"
        }

        It 'is not ready on State 0 alone while StatusDetails says otherwise' {
            Set-Cmg -Exists $true -Ready @{ State = 0; StatusDetails = 4 }
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'State=0, StatusDetails=4'
        }

        It 'times out after WaitMinutes with the state seen and the tail of CloudMgr.log' {
            Set-Cmg -ReadyAfterMinutes 1000
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'not ready after 50 minutes \(State=3, StatusDetails=0'
            $r.Text | Should -Match 'AuthorizationFailed'
            (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 50, 0))
            (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 53, 0))
        }

        It 'fails naming CloudMgr.log when the site shows no CMG after New-CMCloudManagementGateway' {
            Set-Cmg
            Mock New-CMCloudManagementGateway { }
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'the site has no CMG named cmglab1a2b\.westeurope\.cloudapp\.azure\.com after New-CMCloudManagementGateway: see CloudMgr\.log'
        }

        It 'fails with the cmdlet''s error when the creation is refused' {
            Set-Cmg
            Mock New-CMCloudManagementGateway { throw 'The server app has no role on the subscription' }
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'cmg-create failed: The server app has no role on the subscription'
        }

        It 'refuses a non-default size before creating anything' {
            Set-Cmg
            $p = $Params.Clone(); $p.VmSize = 'Standard_B2s'; $p.VmSizeNames = 'Standard_B2s;B2s;Lab;Small'
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $p
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'can only get the default size Standard_A2_v2, not Standard_B2s\. Set cmg-lab:cmg\.vmSize to Standard_A2_v2'
            Should -Invoke New-CMCloudManagementGateway -Times 0 -Exactly
        }

        It 'fails before creating anything when the PFX is missing' {
            Set-Cmg
            $global:PfxOnDisk = 'elsewhere'
            Mock Test-Path { $false } -ParameterFilter { $LiteralPath -eq 'C:\ProgramData\CmgLab\cmg.pfx' }
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'the cmg-certificate step has not run'
            Should -Invoke New-CMCloudManagementGateway -Times 0 -Exactly
        }

        It 'receives a password, a group name and a PFX path with spaces, quotes, $, % and non-ASCII intact' {
            Set-Cmg
            $p = $Params.Clone()
            $p.PfxPassword = $LabAwkwardText
            $p.GroupName = 'rg cmg lab é $x %y%'
            $p.PfxPath = 'C:\Lab Data é\cmg $1.pfx'
            $global:PfxOnDisk = $p.PfxPath
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $p
            $r.ExitCode | Should -Be 0 -Because $r.Text
            [System.Net.NetworkCredential]::new('', $global:Created.ServiceCertPassword).Password | Should -Be $LabAwkwardText
            $global:Created.GroupName | Should -Be 'rg cmg lab é $x %y%'
            $global:Created.ServiceCertPath | Should -Be 'C:\Lab Data é\cmg $1.pfx'
        }

        It 'stops before any change when <Case>' -ForEach @(
            @{ Case = 'TenantId is missing'; Key = 'TenantId'; Value = $null }
            @{ Case = 'TenantId is not a GUID'; Key = 'TenantId'; Value = 'contoso.onmicrosoft.com' }
            @{ Case = 'InstanceCount is not a number'; Key = 'InstanceCount'; Value = 'two' }
            @{ Case = 'WaitMinutes is empty'; Key = 'WaitMinutes'; Value = '' }
            @{ Case = 'PfxPassword is missing'; Key = 'PfxPassword'; Value = $null }
        ) {
            Set-Cmg
            $p = $Params.Clone()
            if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $p
            $r.ExitCode | Should -Not -Be 0
            $r.Text | Should -Match $Key
            Should -Invoke New-CMCloudManagementGateway -Times 0 -Exactly
        }
    }

    Context 'with a 2309+ cmdlet (-TenantId, -VMSSVMSize with a value set)' {
        BeforeAll { Use-CmdletBuild -Build '2309' }
        BeforeEach { Mock Get-Command { $global:SimulatedCmdlet } -ParameterFilter { $Name -eq 'New-CMCloudManagementGateway' } }
        AfterAll { Import-LabStubs }

        It 'passes the tenant and the size under the name the cmdlet offers' {
            Set-Cmg
            $p = $Params.Clone(); $p.VmSize = 'Standard_B2s'; $p.VmSizeNames = 'Standard_B2s;B2s;Lab;Small'
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $p
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke New-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $VMSSVMSize -eq 'Lab' -and $TenantId -eq '72f988bf-86f1-41af-91ab-2d7cd011db47' }
            # The documented Non-Interactive set has no -IsUsingExistingGroup (before 2603).
            $global:Created.ContainsKey('IsUsingExistingGroup') | Should -BeFalse
        }

        It 'refuses a size the cmdlet does not offer, naming what it offers, before creating anything' {
            Set-Cmg
            $p = $Params.Clone(); $p.VmSize = 'Standard_D2s_v5'; $p.VmSizeNames = 'Standard_D2s_v5;D2s_v5'
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $p
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match '-VMSSVMSize offers Lab, Standard, Large, none of which is Standard_D2s_v5'
            Should -Invoke New-CMCloudManagementGateway -Times 0 -Exactly
        }
    }

    Context 'with a 2603+ cmdlet (-IsUsingExistingGroup in the Non-Interactive set)' {
        BeforeAll { Use-CmdletBuild -Build '2603' }
        BeforeEach { Mock Get-Command { $global:SimulatedCmdlet } -ParameterFilter { $Name -eq 'New-CMCloudManagementGateway' } }
        AfterAll { Import-LabStubs }

        It 'creates the CMG into the existing resource group' {
            Set-Cmg
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke New-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $IsUsingExistingGroup -eq $true -and $GroupName -eq 'rg-cmglab-cmg' -and $TenantId -eq '72f988bf-86f1-41af-91ab-2d7cd011db47' }
            $r.Text | Should -Match '2603\+ form: into the existing resource group rg-cmglab-cmg'
        }
    }

    Context 'with a cmdlet before 2309 (no -TenantId, no -VMSSVMSize)' {
        BeforeAll { Use-CmdletBuild -Build '2010' }
        BeforeEach { Mock Get-Command { $global:SimulatedCmdlet } -ParameterFilter { $Name -eq 'New-CMCloudManagementGateway' } }
        AfterAll { Import-LabStubs }

        It 'creates the CMG without -TenantId and says so' {
            Set-Cmg
            $r = Invoke-LabScript -Name 'cmg-create.ps1' -Parameters $Params
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke New-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $ServerAppClientId -eq '11111111-2222-3333-4444-555555555555' }
            $global:Created.ContainsKey('TenantId') | Should -BeFalse
            $global:Created.ContainsKey('VMSSVMSize') | Should -BeFalse
            $r.Text | Should -Match 'no -TenantId'
        }
    }
}
