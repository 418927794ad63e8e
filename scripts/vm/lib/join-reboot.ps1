# Library (inlined by `#include lib/join-reboot.ps1`): whether a domain join waits for its reboot.
function Test-JoinPendingReboot {
    # A join leaves the SUBKEYS JoinDomain and AvoidSpnSet under Netlogon's service key until the
    # reboot that completes it (what pending-reboot checks read); they are keys, not values.
    $netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    return ((Test-Path -LiteralPath "$netlogon\JoinDomain") -or (Test-Path -LiteralPath "$netlogon\AvoidSpnSet"))
}
