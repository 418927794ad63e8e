# azure-services.ps1: the site onboarded to Entra ID without the wizard: the server and client apps
# imported, the Cloud Management Azure service created with Azure AD user discovery on, each read
# back. The server app's secret arrives intact and is never printed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Tenant = '72f988bf-0000-4000-8000-0000000000aa'
    $script:ServerId = '11111111-0000-4000-8000-000000000001'
    $script:ClientId = '22222222-0000-4000-8000-000000000002'
    $script:Secret = 'Zq8~x.Secret-Value_123'
    $script:Params = @{
        SiteCode = 'PS1'
        SiteServerFqdn = 'CM01.corp.cmglab.example'
        TenantId = $Tenant
        TenantName = 'cmglab.onmicrosoft.com'
        ServerAppClientId = $ServerId
        ServerAppName = 'cmg-lab server x1'
        ServerAppIdUri = "api://$Tenant/ConfigMgrService"
        ServerAppSecret = $Secret
        ServerAppSecretEndDate = '2027-06-30T12:00:00Z'
        ClientAppClientId = $ClientId
        ClientAppName = 'cmg-lab client x1'
        ServiceName = 'cmg-lab Cloud Management'
        UserDeltaDiscoveryMins = '5'
    }

    # The site's Entra onboarding: imported apps by (type, client id, tenant) and Azure services by
    # name. Sticks = $false for a part: its cmdlet returns but nothing is stored.
    function Set-Site {
        param([bool] $ServerApp = $false, [bool] $ClientApp = $false, [bool] $Service = $false)
        $global:Site = @{ Apps = @{}; Services = @{}; Sticks = @{ ServerApplication = $true; ClientApplication = $true; Service = $true }; Imported = @{} }
        if ($ServerApp) { Add-App -Type 'ServerApplication' -Id $ServerId -Name $Params.ServerAppName }
        if ($ClientApp) { Add-App -Type 'ClientApplication' -Id $ClientId -Name $Params.ClientAppName }
        if ($Service) { $global:Site.Services[$Params.ServiceName] = [pscustomobject]@{ Name = $Params.ServiceName; EnableUserDiscovery = $true } }
    }
    function Add-App {
        param([string] $Type, [string] $Id, [string] $Name)
        $global:Site.Apps["$Type|$Id|$Tenant"] = [pscustomobject]@{ AppType = $Type; ClientID = $Id; TenantID = $Tenant; Name = $Name }
    }
}

Describe 'azure-services.ps1' {
    BeforeEach {
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-CMAADApplication { $global:Site.Apps["$AppType|$ClientId|$TenantId"] }
        # Import-CMAADServerApplication returns nothing here: the script must read the app back.
        Mock Import-CMAADServerApplication {
            $global:Site.Imported.Secret = [System.Net.NetworkCredential]::new('', $SecretKey).Password
            $global:Site.Imported.Expiry = $SecretKeyExpiry
            if ($global:Site.Sticks.ServerApplication) { Add-App -Type 'ServerApplication' -Id $ClientId -Name $AppName }
        }
        Mock Import-CMAADClientApplication {
            $global:Site.Imported.ClientServerApp = $ServerApp
            if ($global:Site.Sticks.ClientApplication) { Add-App -Type 'ClientApplication' -Id $ClientId -Name $AppName }
        }
        Mock New-CMCloudManagementAzureService {
            if ($global:Site.Sticks.Service) { $global:Site.Services[$Name] = [pscustomobject]@{ Name = $Name; EnableUserDiscovery = $EnableUserDiscovery } }
            [pscustomobject]@{ Name = $Name }
        }
        Mock Get-CMAzureService { $global:Site.Services[[string] $Name] }
    }

    It 'imports both apps and creates the service with Azure AD user discovery on, reading each back' {
        Set-Site
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Import-CMAADServerApplication -Times 1 -Exactly -ParameterFilter {
            $TenantName -eq 'cmglab.onmicrosoft.com' -and $TenantId -eq $Tenant -and $AppName -eq 'cmg-lab server x1' -and $ClientId -eq $ServerId -and
            $AppIdUri -eq "api://$Tenant/ConfigMgrService" -and $AzureEnvironmentOption -eq 'AzurePublicCloud' -and $SecretKey -is [securestring]
        }
        $global:Site.Imported.Secret | Should -BeExactly $Secret
        ([datetime] $global:Site.Imported.Expiry).ToUniversalTime() | Should -Be ([datetime]::new(2027, 6, 30, 12, 0, 0, [System.DateTimeKind]::Utc))
        Should -Invoke Import-CMAADClientApplication -Times 1 -Exactly -ParameterFilter { $AppName -eq 'cmg-lab client x1' -and $ClientId -eq $ClientId }
        $global:Site.Imported.ClientServerApp.ClientID | Should -Be $ServerId
        Should -Invoke New-CMCloudManagementAzureService -Times 1 -Exactly -ParameterFilter {
            $Name -eq 'cmg-lab Cloud Management' -and $ServerApp.ClientID -eq $ServerId -and $ClientApp.ClientID -eq $ClientId -and
            $EnableUserDiscovery -eq $true -and $EnableUserDeltaDiscovery -eq $true -and $UserDeltaDiscoveryMins -eq 5
        }
        $r.Output | Should -Contain "Site PS1 onboarded to tenant $Tenant as cmg-lab Cloud Management"
        $r.Text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'changes nothing when the apps and the service exist (second run)' {
        Set-Site -ServerApp $true -ClientApp $true -Service $true
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Import-CMAADServerApplication -Times 0 -Exactly
        Should -Invoke Import-CMAADClientApplication -Times 0 -Exactly
        Should -Invoke New-CMCloudManagementAzureService -Times 0 -Exactly
    }

    It 'imports only the client app when the server app is there already, with the existing server app' {
        Set-Site -ServerApp $true
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Import-CMAADServerApplication -Times 0 -Exactly
        Should -Invoke Import-CMAADClientApplication -Times 1 -Exactly
        $global:Site.Imported.ClientServerApp.ClientID | Should -Be $ServerId
    }

    It 'fails naming the server app when its import does not read back, before importing the client app' {
        Set-Site
        $global:Site.Sticks.ServerApplication = $false
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the server app cmg-lab server x1 ($ServerId) does not read back after Import-CMAADServerApplication"))
        Should -Invoke Import-CMAADClientApplication -Times 0 -Exactly
        $r.Text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'fails naming the client app when its import does not read back' {
        Set-Site
        $global:Site.Sticks.ClientApplication = $false
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the client app cmg-lab client x1 ($ClientId) does not read back after Import-CMAADClientApplication"))
        Should -Invoke New-CMCloudManagementAzureService -Times 0 -Exactly
    }

    It 'fails naming the service and Azure AD user discovery when the service does not read back' {
        Set-Site
        $global:Site.Sticks.Service = $false
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the site is not onboarded: the Cloud Management service cmg-lab Cloud Management is missing"))
        $r.Text | Should -Match 'Azure AD user discovery'
    }

    It 'fails with the cmdlet''s error, and without the secret, when the import throws' {
        Set-Site
        Mock Import-CMAADServerApplication { throw 'AADSTS7000215: Invalid client secret provided.' }
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'azure-services failed: AADSTS7000215: Invalid client secret provided\.'
        $r.Text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'receives names and a secret with spaces, quotes, $, % and non-ASCII letters intact' {
        Set-Site
        $p = $Params.Clone()
        $p.ServerAppName = "server $LabAwkwardText"; $p.ClientAppName = "client $LabAwkwardText"; $p.ServiceName = "service $LabAwkwardText"; $p.ServerAppSecret = $LabAwkwardText
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Site.Imported.Secret | Should -BeExactly $LabAwkwardText
        Should -Invoke Import-CMAADServerApplication -Times 1 -Exactly -ParameterFilter { $AppName -ceq "server $LabAwkwardText" }
        Should -Invoke Import-CMAADClientApplication -Times 1 -Exactly -ParameterFilter { $AppName -ceq "client $LabAwkwardText" }
        Should -Invoke New-CMCloudManagementAzureService -Times 1 -Exactly -ParameterFilter { $Name -ceq "service $LabAwkwardText" }
    }

    It 'stops before any change when <Name> is <Why>' -ForEach @(
        @{ Name = 'ServerAppSecretEndDate'; Why = 'not a date'; Value = 'next year' }
        @{ Name = 'UserDeltaDiscoveryMins'; Why = 'not a number'; Value = 'five' }
        @{ Name = 'ServerAppSecret'; Why = 'missing'; Value = $null }
        @{ Name = 'TenantId'; Why = 'empty'; Value = '' }
    ) {
        Set-Site
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'azure-services.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Import-CMAADServerApplication -Times 0 -Exactly
        Should -Invoke New-CMCloudManagementAzureService -Times 0 -Exactly
    }
}
