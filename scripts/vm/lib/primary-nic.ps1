# Library (inlined by `#include lib/primary-nic.ps1`): the lab VMs have one network interface.
function Get-PrimaryInterfaceIndex {
    $nic = Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = True' |
        Sort-Object -Property InterfaceIndex | Select-Object -First 1
    return [uint32] $nic.InterfaceIndex
}
