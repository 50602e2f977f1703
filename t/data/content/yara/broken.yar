rule Fine { condition: true }

rule Broken
{
    strings:
        $a = "x"
    condition:
        $a and undefined_identifier
}
