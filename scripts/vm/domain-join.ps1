<#
.SYNOPSIS
  Joins this computer to the lab domain, into the given OU, and schedules the reboot that
  completes the join. Idempotent: a computer already in the domain (or with the join pending a
  reboot) is left alone. The next run command on this VM is wait-domain-member.ps1.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $DomainFqdn,

    [Parameter(Mandatory = $true)]
    [string] $OuDn,

    [Parameter(Mandatory = $true)]
    [string] $DcAddress,

    [Parameter(Mandatory = $true)]
    [string] $JoinUser,

    [Parameter(Mandatory = $true)]
    [string] $JoinPassword,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "domain-join failed: $_" -ErrorAction Continue
    exit 1
}

# Checked before anything changes: a bad value would otherwise stop the script only after it has
# reset the DNS servers, with a conversion error that names no parameter.
if ($WaitMinutes -notmatch '^[1-9][0-9]*$') { throw "WaitMinutes must be a whole number of minutes above 0, got '$WaitMinutes'" }

function Test-DomainMember {
    param(
        [string] $Fqdn
    )
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    return ($cs.PartOfDomain -and ($cs.Domain -eq $Fqdn))
}

#include lib/join-reboot.ps1

#include lib/primary-nic.ps1

function Test-DnsFromDhcp {
    # The VNet hands out the DC as DNS server; an earlier step (site-media.ps1) may have pointed
    # this interface at Azure DNS for downloads, which cannot resolve the domain.
    param(
        [string] $Address
    )
    $servers = (Get-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -AddressFamily IPv4).ServerAddresses
    return (@($servers) -contains $Address)
}

function Test-DomainReachable {
    param(
        [string] $Address
    )
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        $async = $client.BeginConnect($Address, 389, $null, $null)
        return ($async.AsyncWaitHandle.WaitOne(3000) -and $client.Connected)
    } catch {
        return $false
    } finally {
        $client.Close()
    }
}

# A member whose join still waits for its reboot (a run cut off before it scheduled the restart)
# goes on to the restart below instead of stopping here.
if ((Test-DomainMember -Fqdn $DomainFqdn) -and -not (Test-JoinPendingReboot)) {
    Write-Output "Already a member of $DomainFqdn"
    exit 0
}

$cs = Get-CimInstance -ClassName Win32_ComputerSystem
if ($cs.PartOfDomain -and ($cs.Domain -ne $DomainFqdn)) {
    throw "this computer is a member of $($cs.Domain), not $DomainFqdn; it is not moved between domains (remove it from $($cs.Domain) or rebuild the VM)"
}

if (-not (Test-DnsFromDhcp -Address $DcAddress)) {
    Write-Output "DNS does not point at the domain controller $($DcAddress): resetting the interface to DHCP (the VNet's DNS)"
    Set-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -ResetServerAddresses
}

if (-not (Test-JoinPendingReboot)) {
    # The forest may still be settling after its promotion reboot: wait, bounded, for LDAP.
    $deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
    while (-not (Test-DomainReachable -Address $DcAddress)) {
        if ((Get-Date) -gt $deadline) { throw "no LDAP answer from the domain controller $DcAddress within $WaitMinutes minutes (is the ad-forest step done?)" }
        Start-Sleep -Seconds 15
    }
    $secure = ConvertTo-SecureString -String $JoinPassword -AsPlainText -Force
    $credential = New-Object System.Management.Automation.PSCredential ($JoinUser, $secure)
    Write-Output "Joining $DomainFqdn in $OuDn"
    Add-Computer -DomainName $DomainFqdn -OUPath $OuDn -Credential $credential -Force
}

if (Test-JoinPendingReboot) {
    # Reboot a few seconds after this script has exited, so its result is reported first.
    Write-Output 'Join pending: restarting in 10 seconds'
    shutdown.exe /r /t 10 /d p:4:2 /c "cmg-lab: complete the domain join"
}

# Read back: joined, or joined pending the reboot just scheduled.
if (-not ((Test-JoinPendingReboot) -or (Test-DomainMember -Fqdn $DomainFqdn))) {
    throw "the join to $DomainFqdn did not take effect"
}
exit 0
