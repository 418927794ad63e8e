# Library (inlined by `#include lib/join-reboot.ps1`): whether a domain join waits for its reboot.
function Test-JoinPendingReboot {
    # Netlogon keeps these values from a join until the reboot that completes it.
    $netlogon = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon' -ErrorAction SilentlyContinue
    return ($null -ne $netlogon) -and (($null -ne $netlogon.JoinDomain) -or ($null -ne $netlogon.AvoidSpnSet))
}
