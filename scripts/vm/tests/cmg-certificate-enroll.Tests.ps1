# cmg-certificate-enroll.ps1: the CMG certificate requested from the lab CA with certreq, found in
# LocalMachine\My, exported with its chain, and the PFX read back. The store is a model; the CA
# and the certificates are real (.NET), so the PFX the script reads back is a real file.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'cmglab1a2b.westeurope.cloudapp.azure.com'
    $script:Dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "cmg-enroll-$PID")
    $caKey = [System.Security.Cryptography.RSA]::Create(2048)
    $caReq = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=CORP Lab Root CA', $caKey, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $caReq.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $script:Ca = $caReq.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddYears(10))
    $leafKey = [System.Security.Cryptography.RSA]::Create(2048)
    $leafReq = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Fqdn", $leafKey, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $unkeyed = $leafReq.Create($Ca, [datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::new(2030, 1, 1, 0, 0, 0, [timespan]::Zero), [byte[]] (1, 2, 3, 4))
    $script:Leaf = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($unkeyed, $leafKey)

    function New-StoreEntry {
        param([datetime] $NotAfter = [datetime]::new(2030, 1, 1))
        [pscustomobject]@{ Subject = "CN=$Fqdn"; Issuer = 'CN=CORP Lab Root CA'; HasPrivateKey = $true; NotAfter = $NotAfter; Thumbprint = $Leaf.Thumbprint; Cert = $Leaf }
    }
    function Write-Pfx {
        param([string] $Path, [string] $Password, [bool] $WithChain = $true)
        $collection = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        [void] $collection.Add($Leaf)
        if ($WithChain) { [void] $collection.Add([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Ca.RawData)) }
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
        [System.IO.File]::WriteAllBytes($Path, $collection.Export('Pkcs12', $Password))
    }
}

AfterAll { if ([System.IO.Directory]::Exists($Dir)) { [System.IO.Directory]::Delete($Dir, $true) } }

Describe 'cmg-certificate-enroll.ps1' {
    BeforeEach {
        if ([System.IO.Directory]::Exists($Dir)) { [System.IO.Directory]::Delete($Dir, $true) }
        $script:Pfx = [System.IO.Path]::Combine($Dir, 'CmgLab', 'cmg.pfx')
        $script:Params = @{
            ServiceFqdn = $Fqdn; CaConfig = 'DC01.corp.cmglab.example\CORP Lab Root CA'; CaCommonName = 'CORP Lab Root CA'
            PfxPath = $Pfx; ExpiresOn = '2026-12-31'; PfxPassword = 'pfx-secret'
        }
        $global:Store = [System.Collections.Generic.List[object]]::new()
        $global:Certreq = [System.Collections.Generic.List[string]]::new()
        $global:SubmitExit = 0
        $global:AcceptSticks = $true
        Mock Get-ChildItem { $global:Store.ToArray() } -ParameterFilter { $Path -eq 'Cert:\LocalMachine\My' }
        Mock certreq.exe {
            $global:Certreq.Add(($args -join ' | '))
            $global:LASTEXITCODE = 0
            if ($args -contains '-submit') { $global:LASTEXITCODE = $global:SubmitExit }
            if ($args -contains '-accept' -and $global:AcceptSticks) { $global:Store.Add((New-StoreEntry)) }
        }
        Mock Export-PfxCertificate {
            $global:Exported = @{ Thumbprint = $Cert.Thumbprint; ChainOption = $ChainOption; Password = [System.Net.NetworkCredential]::new('', [securestring] $Password).Password }
            Write-Pfx -Path $FilePath -Password $global:Exported.Password -WithChain ($ChainOption -eq 'BuildChain')
        }
    }

    It 'requests the certificate from the lab CA, exports it with its chain, and reads the PFX back' {
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Certreq.Count | Should -Be 3
        $global:Certreq[1] | Should -Match '^-q \| -submit \| -config \| DC01\.corp\.cmglab\.example\\CORP Lab Root CA \| '
        $inf = Get-Content -LiteralPath 'C:\ProgramData\CmgLab\cmg-certificate\cmg.inf'
        $inf | Should -Contain "Subject = `"CN=$Fqdn`""
        $inf | Should -Contain "_continue_ = `"dns=$Fqdn`""
        $inf | Should -Contain 'CertificateTemplate = WebServer'
        $inf | Should -Contain 'Exportable = TRUE'
        Should -Invoke Export-PfxCertificate -Times 1 -Exactly -ParameterFilter { $FilePath -eq $Pfx -and $ChainOption -eq 'BuildChain' -and $Force }
        $global:Exported.Password | Should -Be 'pfx-secret'
        $r.Output | Should -Contain "CMG certificate CN=$Fqdn (thumbprint $($Leaf.Thumbprint), valid until 2030-01-01) exported with its chain to $Pfx"
    }

    It 'changes nothing when the certificate and a usable PFX exist (second run)' {
        $global:Store.Add((New-StoreEntry))
        Write-Pfx -Path $Pfx -Password 'pfx-secret'
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke certreq.exe -Times 0 -Exactly
        Should -Invoke Export-PfxCertificate -Times 0 -Exactly
    }

    It 'only exports again when the certificate exists but the PFX opens with another password' {
        $global:Store.Add((New-StoreEntry))
        Write-Pfx -Path $Pfx -Password 'old-password'
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke certreq.exe -Times 0 -Exactly
        Should -Invoke Export-PfxCertificate -Times 1 -Exactly
    }

    It 'requests a new certificate when the one in the store ends before ExpiresOn' {
        $global:Store.Add((New-StoreEntry -NotAfter ([datetime]::new(2026, 6, 30))))
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Certreq.Count | Should -Be 3
    }

    It 'fails naming the CA and the template right when the submit fails' {
        $global:SubmitExit = 5
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('certreq -submit to DC01.corp.cmglab.example\CORP Lab Root CA failed with exit code 5 (is the CA running, and may this account enroll from WebServer?)'))
        Should -Invoke Export-PfxCertificate -Times 0 -Exactly
    }

    It 'fails naming the store when the accepted certificate is not found' {
        $global:AcceptSticks = $false
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("no certificate for CN=$Fqdn from CORP Lab Root CA with a private key, valid past 2026-12-31, in LocalMachine\My"))
    }

    It 'fails naming the chain when the export leaves the CA out' {
        Mock Export-PfxCertificate { Write-Pfx -Path $FilePath -Password 'pfx-secret' -WithChain $false }
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the CMG PFX at $Pfx is not usable (certificate for CN=$Fqdn with its key and the CA chain)"))
    }

    It 'receives a password, a CA config and a path with spaces, quotes, $, % and non-ASCII intact' {
        $p = $Params.Clone()
        $p.PfxPassword = $LabAwkwardText
        $p.CaConfig = 'DC01.corp.cmglab.example\CORP Lab Root CA é $x %P%'
        $p.PfxPath = [System.IO.Path]::Combine($Dir, 'Lab é $x %P%', 'cmg 日本.pfx')
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Exported.Password | Should -Be $LabAwkwardText
        $global:Certreq[1] | Should -Match ([regex]::Escape('-config | DC01.corp.cmglab.example\CORP Lab Root CA é $x %P% |'))
        [System.IO.File]::Exists($p.PfxPath) | Should -BeTrue
    }

    It 'stops before any change when <Case>' -ForEach @(
        @{ Case = 'ExpiresOn is not a date'; Key = 'ExpiresOn'; Value = '31/12/2026' }
        @{ Case = 'ServiceFqdn is missing'; Key = 'ServiceFqdn'; Value = $null }
        @{ Case = 'PfxPassword is empty'; Key = 'PfxPassword'; Value = '' }
    ) {
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'cmg-certificate-enroll.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke certreq.exe -Times 0 -Exactly
        Should -Invoke Export-PfxCertificate -Times 0 -Exactly
    }
}
