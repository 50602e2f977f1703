/* Rules of the sluice-content unit tests. */
rule Sluice_Marker
{
    strings:
        $m = "SLUICE-YARA-MARKER"
    condition:
        $m
}

rule Sluice_Reject
{
    meta:
        sluice_action = "reject"
        sluice_score = "8.0"
    strings:
        $r = "SLUICE-REJECT-ME"
    condition:
        $r
}

rule Sluice_Tagged : phishing
{
    strings:
        $t = "SLUICE-TAGGED"
    condition:
        $t
}

rule Sluice_Named
{
    condition:
        filename == "evil.bin"
}
