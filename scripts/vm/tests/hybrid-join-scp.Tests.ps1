# hybrid-join-scp.ps1: the hybrid-join Service Connection Point, keywords exactly
# azureADName:<tenant domain> and azureADId:<tenant id>, created, or corrected when it names
# another tenant, and read back from the directory.
# (The cases of the former TypeScript copy scpKeywords in stacks/model/ad.ts live here now.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Services = 'CN=Services,CN=Configuration,DC=corp,DC=cmglab,DC=example'
    $script:Container = "CN=Device Registration Configuration,$Services"
    $script:ScpName = '62a0ff2e-97b9-4513-943f-0d221bd30080'
    $script:Scp = "CN=$ScpName,$Container"
    $script:Tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
    $script:Other = '00000000-0000-4000-8000-000000000001'
    $script:Params = @{ ServicesDn = $Services; ScpName = $ScpName; AzureAdName = 'contoso.onmicrosoft.com'; AzureAdId = $Tenant }
    $script:Wanted = @('azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47', 'azureADName:contoso.onmicrosoft.com')

    # The configuration partition: DN -> class and keywords. Services always exists.
    function Set-Directory {
        param([switch] $WithContainer, [string] $ScpClass = '', [string[]] $Keywords = @())
        $global:Ad = @{ $Services = @{ Class = 'container'; Keywords = @() } }
        if ($WithContainer) { $global:Ad[$Container] = @{ Class = 'container'; Keywords = @() } }
        if ($ScpClass) { $global:Ad[$Scp] = @{ Class = $ScpClass; Keywords = @($Keywords) } }
    }
    # As the AD module: a search under a base that does not exist fails.
    function Find-Object {
        param([string] $Filter, [string] $Base)
        if (-not $global:Ad.ContainsKey($Base)) { throw "Directory object not found - $Base" }
        if ($Filter -notmatch '^\(cn=(.+)\)$') { throw "unexpected filter $Filter" }
        $dn = "CN=$($Matches[1]),$Base"
        if ($global:Ad.ContainsKey($dn)) {
            [pscustomobject]@{ DistinguishedName = $dn; ObjectClass = $global:Ad[$dn].Class; keywords = @($global:Ad[$dn].Keywords) }
        }
    }
}

Describe 'hybrid-join-scp.ps1' {
    BeforeEach {
        Mock Import-Module { } -ParameterFilter { "$Name" -eq 'ActiveDirectory' }
        Mock Get-ADObject { Find-Object -Filter $LDAPFilter -Base $SearchBase } -ParameterFilter { $SearchScope -eq 'OneLevel' }
        Mock New-ADObject {
            if (-not $global:Ad.ContainsKey($Path)) { throw "Directory object not found - $Path" }
            $kw = if ($null -ne $OtherAttributes -and $OtherAttributes.ContainsKey('keywords')) { @($OtherAttributes['keywords']) } else { @() }
            $global:Ad["CN=$Name,$Path"] = @{ Class = $Type; Keywords = $kw }
        }
        Mock Set-ADObject { $global:Ad[$Identity].Keywords = @($Replace['keywords']) }
    }

    It 'creates the container and the SCP with exactly the two keywords, and reads them back' {
        Set-Directory
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADObject -Times 1 -Exactly -ParameterFilter { $Name -eq 'Device Registration Configuration' -and $Type -eq 'container' -and $Path -eq $Services }
        Should -Invoke New-ADObject -Times 1 -Exactly -ParameterFilter { $Name -eq $ScpName -and $Type -eq 'serviceConnectionPoint' -and $Path -eq $Container }
        $global:Ad[$Scp].Class | Should -Be 'serviceConnectionPoint'
        @($global:Ad[$Scp].Keywords | Sort-Object) | Should -BeExactly $Wanted
        $r.Output | Should -Contain "SCP $Scp names contoso.onmicrosoft.com ($Tenant)"
    }

    It 'creates only the SCP when the container exists' {
        Set-Directory -WithContainer
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADObject -Times 1 -Exactly
        @($global:Ad[$Scp].Keywords | Sort-Object) | Should -BeExactly $Wanted
    }

    It 'changes nothing when the SCP already names the tenant (second run)' {
        Set-Directory -WithContainer -ScpClass 'serviceConnectionPoint' -Keywords @("azureADName:contoso.onmicrosoft.com", "azureADId:$Tenant")
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADObject -Times 0 -Exactly
        Should -Invoke Set-ADObject -Times 0 -Exactly
    }

    It 'corrects an SCP that points at another tenant (<Case>) and reads it back' -ForEach @(
        @{ Case = 'another tenant id'; Keywords = @('azureADName:contoso.onmicrosoft.com', 'azureADId:00000000-0000-4000-8000-000000000001') }
        @{ Case = 'another tenant domain'; Keywords = @('azureADName:fabrikam.onmicrosoft.com', 'azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47') }
        @{ Case = 'an extra keyword'; Keywords = @('azureADName:contoso.onmicrosoft.com', 'azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47', 'azureADId:00000000-0000-4000-8000-000000000001') }
        @{ Case = 'no keywords'; Keywords = @() }
    ) {
        Set-Directory -WithContainer -ScpClass 'serviceConnectionPoint' -Keywords $Keywords
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-ADObject -Times 1 -Exactly -ParameterFilter { $Identity -eq $Scp }
        Should -Invoke New-ADObject -Times 0 -Exactly
        @($global:Ad[$Scp].Keywords | Sort-Object) | Should -BeExactly $Wanted
    }

    It 'fails naming the keywords it reads when the correction did not stick' {
        Set-Directory -WithContainer -ScpClass 'serviceConnectionPoint' -Keywords @('azureADName:contoso.onmicrosoft.com', "azureADId:$Other")
        Mock Set-ADObject { }
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the SCP keywords are 'azureADId:$Other; azureADName:contoso.onmicrosoft.com' after the write, not 'azureADName:contoso.onmicrosoft.com; azureADId:$Tenant'"))
    }

    It 'fails naming the container when its creation did not stick' {
        Set-Directory
        Mock New-ADObject { } -ParameterFilter { $Type -eq 'container' }
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("$Container does not exist after New-ADObject"))
    }

    It 'fails naming the SCP when its creation did not stick' {
        Set-Directory -WithContainer
        Mock New-ADObject { } -ParameterFilter { $Type -eq 'serviceConnectionPoint' }
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("$Scp does not exist as a serviceConnectionPoint after New-ADObject"))
    }

    It 'refuses an object of another class under the SCP name' {
        Set-Directory -WithContainer -ScpClass 'container'
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("$Scp exists but is a container, not a serviceConnectionPoint; delete it and rerun"))
        Should -Invoke Set-ADObject -Times 0 -Exactly
    }

    It 'receives a DN and a tenant domain with awkward characters intact' {
        $odd = "CN=Services,CN=Configuration,DC=x'`$%é 日本,DC=example"
        $global:Ad = @{ $odd = @{ Class = 'container'; Keywords = @() } }
        $p = $Params.Clone(); $p.ServicesDn = $odd; $p.AzureAdName = 'lab-é$%.example'
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-ADObject -Times 1 -Exactly -ParameterFilter { $Path -ceq "CN=Device Registration Configuration,$odd" -and $Type -eq 'serviceConnectionPoint' }
        @($global:Ad["CN=$ScpName,CN=Device Registration Configuration,$odd"].Keywords | Sort-Object) | Should -BeExactly @("azureADId:$Tenant", 'azureADName:lab-é$%.example')
    }

    It 'stops before any change when <Name> is <Case>' -ForEach @(
        @{ Name = 'AzureAdId'; Case = 'not a GUID'; Value = 'not-a-guid'; Message = "AzureAdId must be the tenant id (a GUID), got 'not-a-guid'" }
        @{ Name = 'AzureAdId'; Case = 'a GUID with a digit too many'; Value = '72f988bf-86f1-41af-91ab-2d7cd011db470'; Message = 'AzureAdId must be the tenant id' }
        @{ Name = 'AzureAdId'; Case = 'a GUID in braces'; Value = '{72f988bf-86f1-41af-91ab-2d7cd011db47}'; Message = 'AzureAdId must be the tenant id' }
        @{ Name = 'AzureAdName'; Case = 'a name without a dot'; Value = 'contoso'; Message = "AzureAdName must be the tenant's domain name (its initial *.onmicrosoft.com or a verified domain), got 'contoso'" }
        @{ Name = 'AzureAdName'; Case = 'text with spaces'; Value = 'AWKWARD'; Message = "AzureAdName must be the tenant's domain name" }
        @{ Name = 'AzureAdId'; Case = 'empty'; Value = ''; Message = 'AzureAdId' }
        @{ Name = 'ServicesDn'; Case = 'missing'; Value = $null; Message = 'ServicesDn' }
    ) {
        Set-Directory
        $p = $Params.Clone()
        # $LabAwkwardText exists only once BeforeAll has run, after discovery.
        if ($Value -eq 'AWKWARD') { $Value = $LabAwkwardText; $Message = "AzureAdName must be the tenant's domain name (its initial *.onmicrosoft.com or a verified domain), got '$LabAwkwardText'" }
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'hybrid-join-scp.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match ([regex]::Escape($Message))
        Should -Invoke New-ADObject -Times 0 -Exactly
        Should -Invoke Set-ADObject -Times 0 -Exactly
    }
}
