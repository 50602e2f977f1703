/* A pathological rule: quadratic in the size of what it scans. */
rule Sluice_Slow
{
    condition:
        filesize > 50000 and
        for all i in (0..filesize) : (
            for all j in (0..filesize) : ( uint8(i) != 300 + uint8(j) ) )
}
