<#
.SYNOPSIS
  Prerequisites of Entra Connect Sync on this server: the TLS 1.2 registry values for .NET and
  SChannel from Microsoft's "TLS 1.2 enforcement for Microsoft Entra Connect"
  (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-tls-enforcement),
  and .NET Framework 4.7.2 or later. Idempotent: values already set are left alone.

  No restart is scheduled although the page asks for one: on Windows Server 2022 TLS 1.2 is
  already enabled in SChannel by default, so those values only make the default explicit, and
  .NET reads its two values when a process starts; the installer and the sync service start
  after this script. The page also says Entra Connect 2.4.131.0 and later no longer need this
  enforcement before installing; it stays because the download URL may serve an older build.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-prerequisites failed: $_" -ErrorAction Continue
    exit 1
}

# Key -> value name -> required DWORD value, exactly as listed on the TLS 1.2 enforcement page.
$required = [ordered]@{
    'HKLM:\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319'                             = [ordered]@{ SystemDefaultTlsVersions = 1; SchUseStrongCrypto = 1 }
    'HKLM:\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'                                         = [ordered]@{ SystemDefaultTlsVersions = 1; SchUseStrongCrypto = 1 }
    'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server' = [ordered]@{ Enabled = 1; DisabledByDefault = 0 }
    'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client' = [ordered]@{ Enabled = 1; DisabledByDefault = 0 }
}

function Get-MissingTlsValues {
    $missing = @()
    foreach ($key in $required.Keys) {
        $values = $required[$key]
        foreach ($name in $values.Keys) {
            $item = Get-ItemProperty -Path $key -Name $name -ErrorAction SilentlyContinue
            if (($null -eq $item) -or ($item.$name -ne $values[$name])) { $missing += "$key\$name" }
        }
    }
    return $missing
}

function Test-Tls12Enforced {
    return (@(Get-MissingTlsValues).Count -eq 0)
}

function Test-DotNet472 {
    # 461808 is the Release value of .NET Framework 4.7.2; Entra Connect 2.x needs 4.7.2 or later.
    $ndp = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name Release -ErrorAction SilentlyContinue
    return ($null -ne $ndp) -and ([int] $ndp.Release -ge 461808)
}

if (-not (Test-DotNet472)) {
    throw 'Entra Connect needs .NET Framework 4.7.2 or later, which this image does not have (use the Windows Server 2022 image)'
}

if (-not (Test-Tls12Enforced)) {
    foreach ($key in $required.Keys) {
        if (-not (Test-Path -Path $key)) { New-Item -Path $key -Force | Out-Null }
        $values = $required[$key]
        foreach ($name in $values.Keys) {
            New-ItemProperty -Path $key -Name $name -Value $values[$name] -PropertyType DWord -Force | Out-Null
        }
    }
    Write-Output 'TLS 1.2 registry values for Entra Connect set'
}

if (-not (Test-Tls12Enforced)) {
    throw "TLS 1.2 registry values not in place: $((Get-MissingTlsValues) -join ', ')"
}
Write-Output 'TLS 1.2 enforced for .NET and SChannel; .NET Framework 4.7.2 or later present'
exit 0
