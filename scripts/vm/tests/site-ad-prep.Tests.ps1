# site-ad-prep.ps1: AD schema extended with extadsch.exe, CN=System Management created and the
# site server's computer account given Full Control on it and all descendants, read back. Model
# ($global:Ad): directory objects by LDAP path, their access rules, accounts and their SIDs. The
# script's one-call directory wrappers are mocked against it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    foreach ($f in @(
            'function global:Get-SchemaDn { }'
            'function global:Test-DirectoryObject { param([string] $Path) }'
            'function global:Get-AccountSid { param([string] $Account) }'
            'function global:Get-DirectoryAccessRule { param([string] $Path) }'
            'function global:New-DirectoryContainer { param([string] $ParentPath, [string] $Name) }'
            'function global:Add-DirectoryFullControl { param([string] $Path, $Sid) }')) { Invoke-Expression $f }

    $script:Domain = 'DC=corp,DC=cmglab,DC=example'
    $script:Schema = "CN=Schema,CN=Configuration,$Domain"
    $script:Container = "LDAP://CN=System Management,CN=System,$Domain"
    $script:Sid = 'S-1-5-21-1-2-3-1105'
    $script:Params = @{ MediaRoot = 'C:\CMLab\Media'; DomainDn = $Domain; SiteServerAccount = 'CORP\CM01$' }
    $script:GenericAll = 983551

    function Set-Ad {
        param([bool] $SchemaExtended = $false, [bool] $Container = $false, [object[]] $Rules = @(), [string] $DomainDn = $Domain, [string] $Account = 'CORP\CM01$')
        $global:Ad = @{
            Objects = New-Object System.Collections.Generic.List[string]
            Rules = @{}; Accounts = @{ $Account = $Sid }
            ExtadschExit = 0; ExtadschWorks = $true; GrantSticks = $true
            Extadsch = ('C:\CMLab\Media\ConfigMgr\Media\SMSSETUP\BIN\X64\extadsch.exe' -replace '\\', '/')
        }
        $global:Ad.Objects.Add("LDAP://CN=System,$DomainDn")
        if ($SchemaExtended) { $global:Ad.Objects.Add("LDAP://CN=MS-SMS-Site-Code,$Schema") }
        $path = "LDAP://CN=System Management,CN=System,$DomainDn"
        if ($Container) { $global:Ad.Objects.Add($path) }
        $global:Ad.Rules[$path] = @($Rules)
    }
    function New-Rule {
        param([string] $Identity = $Sid, [int] $Rights = $GenericAll, [string] $Inheritance = 'All', [string] $Type = 'Allow')
        [pscustomobject]@{ IdentityReference = $Identity; ActiveDirectoryRights = $Rights; InheritanceType = $Inheritance; AccessControlType = $Type }
    }
}

Describe 'site-ad-prep.ps1' {
    BeforeEach {
        Mock Get-SchemaDn { $Schema }
        Mock Test-DirectoryObject { $global:Ad.Objects.Contains($Path) }
        Mock Get-AccountSid { if ($global:Ad.Accounts.ContainsKey($Account)) { $global:Ad.Accounts[$Account] } else { throw "Some or all identity references could not be translated: $Account" } }
        Mock Get-DirectoryAccessRule { @($global:Ad.Rules[$Path]) }
        Mock New-DirectoryContainer {
            if (-not $global:Ad.Objects.Contains($ParentPath)) { throw "There is no such object on the server: $ParentPath" }
            $global:Ad.Objects.Add("LDAP://$Name,$($ParentPath.Substring(7))")
        }
        Mock Add-DirectoryFullControl {
            if ($global:Ad.GrantSticks) { $global:Ad.Rules[$Path] = @($global:Ad.Rules[$Path]) + @(New-Rule -Identity ([string] $Sid)) }
        }
        Mock Test-Path { ($LiteralPath -replace '\\', '/') -eq $global:Ad.Extadsch }
        Mock Get-Content { @('Successfully extended the Active Directory schema.') }
        Mock Start-Process {
            if ($global:Ad.ExtadschWorks -and $global:Ad.ExtadschExit -eq 0) { $global:Ad.Objects.Add("LDAP://CN=MS-SMS-Site-Code,$Schema") }
            [pscustomobject]@{ ExitCode = $global:Ad.ExtadschExit }
        } -ParameterFilter { ($FilePath -replace '\\', '/') -eq $global:Ad.Extadsch }
    }

    It 'extends the schema, creates CN=System Management and grants the site server Full Control on all descendants' {
        Set-Ad
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 1 -Exactly
        Should -Invoke New-DirectoryContainer -Times 1 -Exactly -ParameterFilter { $ParentPath -eq "LDAP://CN=System,$Domain" -and $Name -eq 'CN=System Management' }
        Should -Invoke Add-DirectoryFullControl -Times 1 -Exactly -ParameterFilter { $Path -eq $Container -and [string] $Sid -eq 'S-1-5-21-1-2-3-1105' }
        $r.Output | Should -Contain 'AD schema extended; System Management container delegated'
    }

    It 'changes nothing when the schema is extended and the container delegated (second run)' {
        Set-Ad -SchemaExtended $true -Container $true -Rules @(New-Rule)
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke New-DirectoryContainer -Times 0 -Exactly
        Should -Invoke Add-DirectoryFullControl -Times 0 -Exactly
    }

    It 'adds the full rule when the existing one covers this object only, without recreating the container' {
        Set-Ad -SchemaExtended $true -Container $true -Rules @(New-Rule -Inheritance 'None')
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke New-DirectoryContainer -Times 0 -Exactly
        Should -Invoke Add-DirectoryFullControl -Times 1 -Exactly
    }

    It 'fails naming the account and the consequence when the grant does not stick' {
        Set-Ad -SchemaExtended $true -Container $true -Rules @(New-Rule -Identity 'S-1-5-21-1-2-3-9999')
        $global:Ad.GrantSticks = $false
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("CN=System Management,CN=System,$Domain does not give CORP\CM01`$ Full Control on this object and all descendants: the site cannot publish to AD"))
    }

    It 'fails with the exit code, the log and the likely cause when extadsch.exe fails' {
        Set-Ad
        $global:Ad.ExtadschExit = 8
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'extadsch.exe exited with code 8; see C:.ExtADSch.log \(the account needs Schema Admins\)'
        Should -Invoke Add-DirectoryFullControl -Times 0 -Exactly
    }

    It 'fails the read-back when extadsch.exe reports success but the schema has no ConfigMgr class' {
        Set-Ad -Container $true -Rules @(New-Rule)
        $global:Ad.ExtadschWorks = $false
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the AD schema is not extended \(no MS-SMS-Site-Code class after extadsch.exe\)'
    }

    It 'receives a domain DN and an account name with spaces, $, % and non-ASCII intact' {
        $dn = 'DC=corp é,DC=cmg lab,DC=example'
        $account = 'CORP É\CM 01 %x% $'
        Set-Ad -DomainDn $dn -Account $account -SchemaExtended $true
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters @{ MediaRoot = 'C:\CMLab\Media'; DomainDn = $dn; SiteServerAccount = $account }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Get-AccountSid -ParameterFilter { $Account -ceq 'CORP É\CM 01 %x% $' }
        Should -Invoke New-DirectoryContainer -Times 1 -Exactly -ParameterFilter { $ParentPath -ceq 'LDAP://CN=System,DC=corp é,DC=cmg lab,DC=example' }
    }

    It 'stops before any change on a missing or malformed parameter' -TestCases @(
        @{ Key = 'DomainDn'; Value = $null }
        @{ Key = 'DomainDn'; Value = 'corp.cmglab.example' }
        @{ Key = 'SiteServerAccount'; Value = 'CM01$' }
        @{ Key = 'MediaRoot'; Value = '' }
    ) {
        Set-Ad
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'site-ad-prep.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke New-DirectoryContainer -Times 0 -Exactly
        Should -Invoke Add-DirectoryFullControl -Times 0 -Exactly
    }
}
