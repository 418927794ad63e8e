# Library (inlined by `#include lib/sql-server.ps1`): the site server's default SQL Server instance
# and what ConfigMgr expects of it, shared by site-sql.ps1 (SQL Server installed from the media)
# and site-sql-image.ps1 (SQL Server pre-installed in the marketplace image).
# Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions
# https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/list-of-prerequisite-checks
# https://learn.microsoft.com/sql/database-engine/configure-windows/server-memory-server-configuration-options

function Get-ConfigMgrCollation {
    # The only server collation ConfigMgr supports for the site database.
    return 'SQL_Latin1_General_CP1_CI_AS'
}

function Invoke-SqlBatch {
    # Only the SqlClient call: one batch against master on the local default instance, as the
    # identity this script runs as; returns the first value with -Scalar. ApplicationName
    # identifies the connection to an instance started in single-user mode for one client
    # application (-m"SQLCMD").
    param(
        [string] $Text,
        [string] $ApplicationName = '',
        [switch] $Scalar
    )
    $connectionText = 'Server=localhost;Database=master;Integrated Security=True;Connect Timeout=30'
    if ($ApplicationName) { $connectionText += ";Application Name=$ApplicationName" }
    $connection = New-Object System.Data.SqlClient.SqlConnection ($connectionText)
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Text
        if ($Scalar) { return $command.ExecuteScalar() }
        [void] $command.ExecuteNonQuery()
    } finally {
        $connection.Close()
    }
}

function Get-SqlScalar {
    # A query's first value (tests replace this function).
    param(
        [string] $Query,
        [string] $ApplicationName = ''
    )
    return Invoke-SqlBatch -Text $Query -ApplicationName $ApplicationName -Scalar
}

function Set-SqlOption {
    # A batch that changes the server (tests replace this function).
    param(
        [string] $Statement,
        [string] $ApplicationName = ''
    )
    Invoke-SqlBatch -Text $Statement -ApplicationName $ApplicationName
}

function Get-MaxMemoryMb {
    # ConfigMgr: limit a database on the site server to 50-80 % of memory (prerequisite warning
    # "Configuration for SQL Server memory usage"); the lab takes 60 %.
    $totalMb = [math]::Floor((Get-CimInstance -ClassName Win32_ComputerSystem).TotalPhysicalMemory / 1048576)
    return [int] [math]::Floor($totalMb * 0.6)
}

function Get-MinMemoryMb {
    # ConfigMgr: reserve at least 8 GB for a primary site's database (prerequisite warning "SQL
    # Server process memory allocation"): 8192 MB. Min server memory may not exceed max server
    # memory, so on a VM with less than about 13.3 GB it is max server memory and the warning stays.
    return [int] [math]::Min(8192, (Get-MaxMemoryMb))
}

function Get-MemoryOption {
    # Reads only: a server memory option in effect ('max server memory (MB)', 'min server memory (MB)').
    param(
        [string] $Name
    )
    return [int] (Get-SqlScalar -Query "SELECT CONVERT(int, value_in_use) FROM sys.configurations WHERE name = N'$($Name.Replace("'", "''"))'")
}

function Set-SqlMemory {
    # Sets max and min server memory where they differ, in one sp_configure batch.
    $maxWanted = Get-MaxMemoryMb
    $minWanted = Get-MinMemoryMb
    $maxNow = Get-MemoryOption -Name 'max server memory (MB)'
    $minNow = Get-MemoryOption -Name 'min server memory (MB)'
    $setMax = ''
    $setMin = ''
    if ($maxNow -ne $maxWanted) { $setMax = "EXEC sp_configure 'max server memory (MB)', $maxWanted; RECONFIGURE;" }
    if ($minNow -ne $minWanted) { $setMin = "EXEC sp_configure 'min server memory (MB)', $minWanted; RECONFIGURE;" }
    if ((-not $setMax) -and (-not $setMin)) { return }
    # min may never exceed max, after each step: raise max first when the new min is above it.
    if ($minWanted -gt $maxNow) { $steps = "$setMax $setMin" } else { $steps = "$setMin $setMax" }
    Write-Output "Setting max server memory to $maxWanted MB and min server memory to $minWanted MB"
    Set-SqlOption -Statement ("EXEC sp_configure 'show advanced options', 1; RECONFIGURE; " + $steps.Trim())
}

function Get-SqlSettingDifference {
    # Reads only: the server collation, the model database's compatibility level (SQL Server 2022
    # is supported at 150, so the site database setup creates from model must not be at 160), max
    # and min server memory, one line for each that differs from what ConfigMgr expects.
    param(
        [string] $CollationFix
    )
    $found = @()
    $collation = Get-ConfigMgrCollation
    $collationNow = [string] (Get-SqlScalar -Query "SELECT CONVERT(nvarchar(128), SERVERPROPERTY('Collation'))")
    if ($collationNow -ne $collation) { $found += "the server collation is $collationNow, not $collation ($CollationFix)" }
    $modelLevel = [int] (Get-SqlScalar -Query "SELECT compatibility_level FROM sys.databases WHERE name = 'model'")
    if ($modelLevel -gt 150) { $found += "the model database is at compatibility level $modelLevel, not 150 or lower" }
    $maxMemory = Get-MemoryOption -Name 'max server memory (MB)'
    $wanted = Get-MaxMemoryMb
    if ($maxMemory -ne $wanted) { $found += "max server memory is $maxMemory MB, not $wanted MB" }
    $minMemory = Get-MemoryOption -Name 'min server memory (MB)'
    $wanted = Get-MinMemoryMb
    if ($minMemory -ne $wanted) { $found += "min server memory is $minMemory MB, not $wanted MB" }
    return $found
}
