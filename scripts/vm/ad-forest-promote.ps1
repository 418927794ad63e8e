<#
.SYNOPSIS
  Promotes this server to the first domain controller of a new AD forest (with DNS), and
  schedules the reboot that completes the promotion. Idempotent: a DC of this domain, or a
  promotion waiting for its reboot, is left alone. The next run command on this VM is
  wait-ad-forest.ps1.

  Name resolution: the VNet hands every VM the DC's address as its DNS server, the DC included.
  Before promotion nothing answers on port 53 here, so this machine resolves no names; none are
  needed (the AD DS and DNS payloads are in the image, a new forest contacts no other DC, and
  the run command reaches the Azure host by address). Promotion installs the DNS Server, which
  then answers for the domain; ad-dns-forwarder.ps1 forwards all other names to Azure DNS.
  Install-ADDSForest: https://learn.microsoft.com/powershell/module/addsdeployment/install-addsforest
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $DomainFqdn,

    [Parameter(Mandatory = $true)]
    [string] $NetbiosName,

    [Parameter(Mandatory = $true)]
    [string] $SafeModePassword
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "ad-forest-promote failed: $_" -ErrorAction Continue
    exit 1
}

function Test-DomainController {
    param(
        [string] $Fqdn
    )
    # DomainRole 4/5: backup/primary domain controller (Win32_ComputerSystem).
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    return (($cs.DomainRole -ge 4) -and ($cs.Domain -eq $Fqdn))
}

function Test-PromotionPendingReboot {
    # Promotion writes the NTDS service's parameters (database path) before the reboot that
    # starts AD DS; the machine is not yet a DC (DomainRole < 4) until it has rebooted.
    # UNCONFIRMED: that 'DSA Database file' is present between Install-ADDSForest
    # -NoRebootOnCompletion and the reboot is practice, not found in Microsoft's documentation; the
    # first real build confirms it (a promotion that left no value fails the read-back below).
    $ntds = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\NTDS\Parameters' -ErrorAction SilentlyContinue
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    return ($null -ne $ntds) -and ($null -ne $ntds.'DSA Database file') -and ($cs.DomainRole -lt 4)
}

function Test-FeaturesInstalled {
    $features = Get-WindowsFeature -Name 'AD-Domain-Services', 'DNS'
    return (@($features | Where-Object { -not $_.Installed }).Count -eq 0)
}

if (Test-DomainController -Fqdn $DomainFqdn) {
    Write-Output "Already a domain controller of $DomainFqdn"
    exit 0
}

$cs = Get-CimInstance -ClassName Win32_ComputerSystem
if ($cs.PartOfDomain -and ($cs.Domain -ne $DomainFqdn)) {
    throw "this machine is a member of $($cs.Domain), not a fresh server for the new forest $DomainFqdn"
}

if (-not (Test-FeaturesInstalled)) {
    Write-Output 'Installing AD-Domain-Services and DNS'
    Install-WindowsFeature -Name 'AD-Domain-Services', 'DNS' -IncludeManagementTools
}
if (-not (Test-FeaturesInstalled)) { throw 'AD-Domain-Services and DNS are not installed after Install-WindowsFeature' }

$promotedNow = $false
if (-not (Test-PromotionPendingReboot)) {
    Import-Module ADDSDeployment
    $dsrm = ConvertTo-SecureString -String $SafeModePassword -AsPlainText -Force
    Write-Output "Creating the forest $DomainFqdn ($NetbiosName)"
    # No DNS delegation: the parent zone is not ours. The reboot is scheduled below so that this
    # script reports its result first.
    Install-ADDSForest -DomainName $DomainFqdn -DomainNetbiosName $NetbiosName -SafeModeAdministratorPassword $dsrm -InstallDns -CreateDnsDelegation:$false -NoRebootOnCompletion -Force
    $promotedNow = $true
}

# Also right after a promotion made here, whatever the pending check reads: without this restart
# the machine never becomes a DC and the next step would wait in vain.
if ($promotedNow -or (Test-PromotionPendingReboot)) {
    Write-Output 'Promotion done: restarting in 10 seconds'
    shutdown.exe /r /t 10 /d p:4:2 /c "cmg-lab: complete the forest promotion"
}

# Read back from the machine: promoted pending the reboot just scheduled (or already a DC). Not
# from $promotedNow: a call that returned is not a promotion that happened.
if (-not ((Test-PromotionPendingReboot) -or (Test-DomainController -Fqdn $DomainFqdn))) {
    throw "the promotion to $DomainFqdn did not take effect: no NTDS database configured (HKLM:\SYSTEM\CurrentControlSet\Services\NTDS\Parameters) and not a domain controller; see C:\Windows\debug\dcpromo.log"
}
exit 0
