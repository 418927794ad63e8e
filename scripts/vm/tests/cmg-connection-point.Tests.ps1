# cmg-connection-point.ps1: the CMG connection point, the MP's CMG traffic, the default client
# settings for the CMG, and the client share (client files + cmg-client.json with the MP's CMG
# route read from vProxy_Routings), each read back.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # Thin wrapper around System.Data.SqlClient in the script: stands in for the site database.
    function global:Get-SiteDbScalar {
        param([string] $Database, [string] $Query)
    }

    $script:Route = 'CCM_Proxy_MutualAuth/72057594037927938'
    $script:Share = '\\DC01.corp.cmglab.example\CmgLabClient'
    $script:Params = @{
        SiteCode = 'PS1'
        SiteServerFqdn = 'CM01.corp.cmglab.example'
        ServiceFqdn = 'cmglab1a2b.westeurope.cloudapp.azure.com'
        ClientShareUnc = $Share
        WaitMinutes = '30'
    }

    # The site as the script sees it. vProxy_Routings rows: ExternalEndpointName holds the
    # endpoint's name, ExternalUrl the route with its id (checked-facts: vProxy_Routings).
    # The MP row's endpoint name is an illustration (UNCONFIRMED); what matters is that it is not
    # the route path.
    function Set-Site {
        param(
            [bool] $ConnectionPoint = $false,
            [object] $AllowProxyTraffic = $null,
            [string] $AllowCMG = 'False',
            [string] $AutoAADJoin = 'False',
            [bool] $RoutePublished = $true,
            [int] $RouteAfterQueries = 0,
            [string] $SqlError = '',
            [hashtable] $ShareFiles = @{}
        )
        $rows = @([pscustomobject]@{ ExternalEndpointName = 'AdminService'; ExternalUrl = 'HTTPS://cmglab1a2b.westeurope.cloudapp.azure.com/CCM_Proxy_ServerAuth/72057594037927939/AdminService' })
        if ($RoutePublished) {
            $rows += [pscustomobject]@{ ExternalEndpointName = 'SMS_MP'; ExternalUrl = "HTTPS://cmglab1a2b.westeurope.cloudapp.azure.com/$Route" }
        }
        $global:Site = @{
            ConnectionPoint = $ConnectionPoint
            AllowProxyTraffic = $AllowProxyTraffic
            Cloud = @{ AllowCloudDP = 'False'; AllowCMG = $AllowCMG; AutoAADJoin = $AutoAADJoin }
            Rows = $rows
            RouteAfterQueries = $RouteAfterQueries
            Queries = 0
            SqlError = $SqlError
            Files = $ShareFiles
        }
    }
    function Get-ReadyShareFiles {
        param([string] $Fqdn = $Params.ServiceFqdn)
        @{ 'ccmsetup.exe' = 'MZ'; 'cmg-client.json' = ([ordered]@{ cmgFqdn = $Fqdn; mpPath = $Route; siteCode = 'PS1' } | ConvertTo-Json) }
    }
    # A SELECT TOP 1 <col> FROM vProxy_Routings WHERE <col> LIKE '<pattern>' over the model's rows,
    # with SQL's LIKE wildcards and a case-insensitive collation. Any other query is refused.
    function Invoke-RoutingQuery {
        param([string] $Query)
        $m = [regex]::Match($Query, "^SELECT TOP 1 (\w+) FROM vProxy_Routings WHERE (\w+) LIKE '([^']*)'$")
        if (-not $m.Success) { throw "the test's SQL model does not know the query: $Query" }
        $pattern = '^' + (([regex]::Escape($m.Groups[3].Value)) -replace '%', '.*' -replace '_', '.') + '$'
        foreach ($row in $global:Site.Rows) {
            if ([string] $row.($m.Groups[2].Value) -match $pattern) { return $row.($m.Groups[1].Value) }
        }
        return $null
    }
    function Get-ShareFile {
        param([string] $Path)
        $leaf = [regex]::Match($Path, '[^\\/]+$').Value
        return $leaf
    }
}

Describe 'cmg-connection-point.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-CMCloudManagementGatewayConnectionPoint {
            if ($global:Site.ConnectionPoint) { [pscustomobject]@{ NetworkOSPath = "\\$SiteSystemServerName"; RoleName = 'SMS_CLOUD_PROXYCONNECTOR' } }
        }
        Mock Add-CMCloudManagementGatewayConnectionPoint { $global:Site.ConnectionPoint = $true }
        Mock Get-CMManagementPoint {
            $props = @([pscustomobject]@{ PropertyName = 'UseSiteDatabase'; Value = 1 })
            if ($null -ne $global:Site.AllowProxyTraffic) { $props += [pscustomobject]@{ PropertyName = 'AllowProxyTraffic'; Value = $global:Site.AllowProxyTraffic } }
            [pscustomobject]@{ RoleName = 'SMS Management Point'; NetworkOSPath = "\\$SiteSystemServerName"; Props = $props }
        }
        Mock Set-CMManagementPoint { $global:Site.AllowProxyTraffic = $(if ($EnableCloudGateway) { 1 } else { 0 }) }
        Mock Get-CMClientSetting {
            if ($Name -ne 'Default Client Agent Settings' -or $Setting -ne 'Cloud') { throw "unexpected Get-CMClientSetting -Name $Name -Setting $Setting" }
            [pscustomobject] $global:Site.Cloud
        }
        Mock Set-CMClientSettingCloudService {
            if (-not $DefaultSetting) { throw 'only the default client settings are modelled' }
            if ($PesterBoundParameters.ContainsKey('AllowCloudManagementGateway')) { $global:Site.Cloud.AllowCMG = [string] [bool] $AllowCloudManagementGateway }
            if ($PesterBoundParameters.ContainsKey('AutoAzureADJoin')) { $global:Site.Cloud.AutoAADJoin = [string] [bool] $AutoAzureADJoin }
        }
        Mock Get-SiteDbScalar {
            $global:Site.Queries++
            if ($global:Site.SqlError) { throw $global:Site.SqlError }
            if ($global:Site.Queries -le $global:Site.RouteAfterQueries) { return $null }
            Invoke-RoutingQuery -Query $Query
        }
        Mock Test-Path { $global:Site.Files.ContainsKey((Get-ShareFile -Path $LiteralPath)) } -ParameterFilter { $LiteralPath -match '(ccmsetup\.exe|cmg-client\.json)$' }
        Mock Get-Content { $global:Site.Files[(Get-ShareFile -Path $LiteralPath)] } -ParameterFilter { $LiteralPath -match 'cmg-client\.json$' }
        Mock Get-ItemProperty { [pscustomobject]@{ 'Installation Directory' = 'C:\Program Files\Microsoft Configuration Manager' } } -ParameterFilter { $LiteralPath -eq 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' }
        Mock robocopy.exe {
            $global:RobocopyArgs = @($args)
            $global:Site.Files['ccmsetup.exe'] = 'MZ'
            $global:LASTEXITCODE = 1
        }
        Mock Set-Content { $global:Site.Files[(Get-ShareFile -Path $LiteralPath)] = (@($Value) -join "`n") } -ParameterFilter { $LiteralPath -match 'cmg-client\.json$' }
    }

    It 'adds the connection point, enables CMG traffic and the client settings, publishes the route, and reads each back' {
        Set-Site
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-CMCloudManagementGatewayConnectionPoint -Times 1 -Exactly -ParameterFilter {
            $CloudManagementGatewayName -eq 'cmglab1a2b.westeurope.cloudapp.azure.com' -and $SiteSystemServerName -eq 'CM01.corp.cmglab.example' -and $SiteCode -eq 'PS1'
        }
        Should -Invoke Set-CMManagementPoint -Times 1 -Exactly -ParameterFilter { $EnableCloudGateway -eq $true -and $SiteSystemServerName -eq 'CM01.corp.cmglab.example' -and $SiteCode -eq 'PS1' }
        Should -Invoke Set-CMClientSettingCloudService -Times 1 -Exactly -ParameterFilter { $DefaultSetting -and $AllowCloudManagementGateway -eq $true -and $AutoAzureADJoin -eq $true }
        $global:Site.AllowProxyTraffic | Should -Be 1
        $global:Site.Cloud.AllowCMG | Should -Be 'True'
        $global:Site.Cloud.AutoAADJoin | Should -Be 'True'
        # Join-Path on Linux writes '/', Windows '\': compare the path, not the separator.
        ($global:RobocopyArgs[0] -replace '/', '\') | Should -Be 'C:\Program Files\Microsoft Configuration Manager\Client'
        $global:RobocopyArgs[2..($global:RobocopyArgs.Count - 1)] -join ' ' | Should -Be '/MIR /XF cmg-client.json /R:2 /W:5 /NP /NJH /NJS'
        $global:RobocopyArgs[1] | Should -Be $Share
        $json = $global:Site.Files['cmg-client.json'] | ConvertFrom-Json
        $json.cmgFqdn | Should -Be 'cmglab1a2b.westeurope.cloudapp.azure.com'
        $json.mpPath | Should -Be 'CCM_Proxy_MutualAuth/72057594037927938'
        $json.siteCode | Should -Be 'PS1'
        Should -Invoke Get-SiteDbScalar -ParameterFilter { $Database -eq 'CM_PS1' }
        $r.Output | Should -Contain "CMG connection point on CM01.corp.cmglab.example; MP allows CMG traffic; client route https://cmglab1a2b.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037927938 published to $Share"
    }

    It 'changes nothing when everything is in place (second run)' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 1 -AllowCMG 'True' -AutoAADJoin 'True' -ShareFiles (Get-ReadyShareFiles)
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-CMCloudManagementGatewayConnectionPoint -Times 0 -Exactly
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
        Should -Invoke Set-CMClientSettingCloudService -Times 0 -Exactly
        Should -Invoke robocopy.exe -Times 0 -Exactly
        Should -Invoke Set-Content -Times 0 -Exactly
    }

    It 'turns the MP''s CMG traffic back on when only it was reset, and touches nothing else' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 0 -AllowCMG 'True' -AutoAADJoin 'True' -ShareFiles (Get-ReadyShareFiles)
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMManagementPoint -Times 1 -Exactly -ParameterFilter { $EnableCloudGateway -eq $true }
        Should -Invoke Set-CMClientSettingCloudService -Times 0 -Exactly
        $global:Site.AllowProxyTraffic | Should -Be 1
    }

    It 'turns the client settings back on when only they were reset, though the client share is ready' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 1 -AllowCMG 'True' -AutoAADJoin 'False' -ShareFiles (Get-ReadyShareFiles)
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMClientSettingCloudService -Times 1 -Exactly -ParameterFilter { $DefaultSetting -and $AllowCloudManagementGateway -eq $true -and $AutoAzureADJoin -eq $true }
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
        Should -Invoke robocopy.exe -Times 0 -Exactly
        $global:Site.Cloud.AutoAADJoin | Should -Be 'True'
    }

    It 'fails naming AllowProxyTraffic and Enhanced HTTP when the MP setting does not stick' {
        Set-Site -ConnectionPoint $true -AllowCMG 'True' -AutoAADJoin 'True' -ShareFiles (Get-ReadyShareFiles)
        Mock Set-CMManagementPoint { }
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'management point CM01\.corp\.cmglab\.example does not allow CMG traffic \(AllowProxyTraffic is not 1'
        $r.Text | Should -Match 'enhanced-http'
    }

    It 'fails naming the client setting that did not stick' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 1 -ShareFiles (Get-ReadyShareFiles)
        Mock Set-CMClientSettingCloudService { $global:Site.Cloud.AllowCMG = 'True' }
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "Default Client Agent Settings.*AutoAADJoin is 'False'"
        $r.Text | Should -Not -Match "AllowCMG is 'False'"
    }

    It 'fails with the cmdlet''s error when Set-CMManagementPoint refuses' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 0
        Mock Set-CMManagementPoint { throw 'The management point must be HTTPS to allow CMG traffic' }
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'cmg-connection-point failed: The management point must be HTTPS'
        Should -Invoke robocopy.exe -Times 0 -Exactly
    }

    It 'rewrites cmg-client.json when the published route changed (CMG recreated)' {
        $files = Get-ReadyShareFiles
        $files['cmg-client.json'] = ([ordered]@{ cmgFqdn = $Params.ServiceFqdn; mpPath = 'CCM_Proxy_MutualAuth/72057594037927001'; siteCode = 'PS1' } | ConvertTo-Json)
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 1 -AllowCMG 'True' -AutoAADJoin 'True' -ShareFiles $files
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-Content -Times 1 -Exactly
        ($global:Site.Files['cmg-client.json'] | ConvertFrom-Json).mpPath | Should -Be 'CCM_Proxy_MutualAuth/72057594037927938'
    }

    It 'fails naming the share and the client-share step when cmg-client.json is not written' {
        Set-Site -ConnectionPoint $true -AllowProxyTraffic 1 -AllowCMG 'True' -AutoAADJoin 'True'
        Mock Set-Content { } -ParameterFilter { $LiteralPath -match 'cmg-client\.json$' }
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the client share $Share does not hold ccmsetup.exe and a cmg-client.json"))
        $r.Text | Should -Match 'client-share step'
    }

    It 'finds the route in ExternalUrl after 3 empty polls' {
        Set-Site -RouteAfterQueries 3
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Get-SiteDbScalar -Times 4 -Exactly
        ($global:Site.Files['cmg-client.json'] | ConvertFrom-Json).mpPath | Should -Be 'CCM_Proxy_MutualAuth/72057594037927938'
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 1, 30))
    }

    It 'times out naming the view and the log when no route is published' {
        Set-Site -RoutePublished $false
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'has not published a CMG route for its management point after 30 minutes \(no CCM_Proxy_MutualAuth route in vProxy_Routings\): check SMS_Cloud_ProxyConnector.log on CM01.corp.cmglab.example'
        Should -Invoke Set-Content -Times 0 -Exactly
        (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 30, 0))
    }

    It 'reports a database error as such, not as a missing route' {
        Set-Site -SqlError 'Login failed for user CORP\labadmin'
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('could not read vProxy_Routings in CM_PS1 for 30 minutes: Login failed for user CORP\labadmin'))
    }

    It 'receives a share path with spaces and non-ASCII letters, and an odd CMG name, intact' {
        Set-Site
        $p = $Params.Clone()
        $p.ClientShareUnc = '\\DC01.corp.cmglab.example\Cmg Lab é $x %PATH% 日本'
        $p.ServiceFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-CMCloudManagementGatewayConnectionPoint -Times 1 -Exactly -ParameterFilter { $CloudManagementGatewayName -eq $LabAwkwardText }
        $global:RobocopyArgs[1] | Should -Be '\\DC01.corp.cmglab.example\Cmg Lab é $x %PATH% 日本'
        ($global:Site.Files['cmg-client.json'] | ConvertFrom-Json).cmgFqdn | Should -Be $LabAwkwardText
    }

    It 'stops before any change when <Case>' -ForEach @(
        @{ Case = 'SiteCode is missing'; Key = 'SiteCode'; Value = $null; Pattern = 'SiteCode' }
        @{ Case = 'ClientShareUnc is empty'; Key = 'ClientShareUnc'; Value = ''; Pattern = 'ClientShareUnc' }
        @{ Case = 'WaitMinutes is not a number'; Key = 'WaitMinutes'; Value = 'thirty'; Pattern = 'WaitMinutes' }
    ) {
        Set-Site
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'cmg-connection-point.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Pattern
        Should -Invoke Add-CMCloudManagementGatewayConnectionPoint -Times 0 -Exactly
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
        Should -Invoke Set-CMClientSettingCloudService -Times 0 -Exactly
    }
}
