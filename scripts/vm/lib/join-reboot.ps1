# Library (inlined by `#include lib/join-reboot.ps1`): whether a domain join waits for its reboot.
function Test-JoinPendingReboot {
    # Netlogon keeps the subkeys JoinDomain and AvoidSpnSet from a join until the reboot that
    # completes it (the keys pending-reboot checks read). Values of those names are checked too.
    $netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    if ((Test-Path -LiteralPath "$netlogon\JoinDomain") -or (Test-Path -LiteralPath "$netlogon\AvoidSpnSet")) { return $true }
    $values = Get-ItemProperty -LiteralPath $netlogon -ErrorAction SilentlyContinue
    return ($null -ne $values) -and (($null -ne $values.JoinDomain) -or ($null -ne $values.AvoidSpnSet))
}
