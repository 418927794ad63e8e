# Library (inlined by `#include lib/cmg-status.ps1`): what a CMG object's State and StatusDetails
# say. Ready means State 0 and StatusDetails 1: Microsoft documents no meaning for them, and the one
# public unattended CMG script waits for exactly that (UNCONFIRMED). A missing or non-numeric value
# is never 0: [int] $null is 0 in PowerShell, which would read a CMG without a State as ready.
function ConvertTo-CmgStatusNumber {
    # A status value as a number, or $null when it is missing or not a number.
    param(
        [object] $Value
    )
    if ($null -eq $Value) { return $null }
    $text = ([string] $Value).Trim()
    $number = 0
    if ($text -eq '' -or -not [int]::TryParse($text, [ref] $number)) { return $null }
    return $number
}

function Get-CmgStatusOf {
    # Reads only: Found, State and StatusDetails (numbers, or $null when missing), Ready, and Text
    # (State=<n>, StatusDetails=<n>, '(none)' for a missing value) of a Get-CMCloudManagementGateway result.
    param(
        [object] $Gateway
    )
    if ($null -eq $Gateway) {
        return [pscustomobject] @{ Found = $false; State = $null; StatusDetails = $null; Ready = $false; Text = 'not found' }
    }
    $state = $null
    $details = $null
    if ($Gateway.PSObject.Properties['State']) { $state = ConvertTo-CmgStatusNumber -Value $Gateway.State }
    if ($Gateway.PSObject.Properties['StatusDetails']) { $details = ConvertTo-CmgStatusNumber -Value $Gateway.StatusDetails }
    $stateText = if ($null -eq $state) { '(none)' } else { [string] $state }
    $detailsText = if ($null -eq $details) { '(none)' } else { [string] $details }
    return [pscustomobject] @{
        Found = $true
        State = $state
        StatusDetails = $details
        Ready = (($null -ne $state) -and ($null -ne $details) -and ($state -eq 0) -and ($details -eq 1))
        Text = "State=$stateText, StatusDetails=$detailsText"
    }
}
