#!/bin/bash
# e2e: sluice-content's rule files on disk, through real Postfix.  A YARA
# file changed on disk is picked up without a signal (watch_interval); a
# broken one keeps the running rules and the log names file:line; a rule
# with sluice_action = "reject" refuses the message; an SA-syntax rule file
# changed on disk is picked up the same way.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need content attach
mkdir -p "$T/rules"
cat >"$T/rules/mail.yar" <<'YAR'
rule Mark_One { strings: $a = "MARK-ONE" condition: $a }
rule Refuse_Me { meta: sluice_action = "reject" strings: $r = "REFUSE-ME" condition: $r }
YAR
printf 'body LOCAL_WORD_ONE /\\bplover\\b/\nscore LOCAL_WORD_ONE 2\n' >"$T/rules/local.cf"
chmod -R a+rX "$T/rules"
LAB_CONF_content="yara_rules = $T/rules/mail.yar
rules = $T/rules/local.cf
watch_interval = 1s"
e2e_lab lab "content attach"

syms_of() { lab_verdict_field "$(e2e_verdict lab "$1")" symbols; }

send_text() { # ID TEXT
    e2e_msg "$1" "Test" "$2"
    e2e_send lab "$1"
}

# wait_reloads N: the milter logged N reloads.
reloads() { grep -c 'configuration reloaded' "$T/lab/log/sluice.log"; }
wait_reloads() { LAB_WAIT=20 lab_wait test_reloads "$1"; }
test_reloads() { [ "$(reloads)" -ge "$1" ]; }

send_text one "Here is MARK-ONE and a plover."
t_like "$(syms_of one)" 'YARA_MARK_ONE\(5\.00\)' "MARK-ONE matches rule Mark_One"
t_like "$(syms_of one)" 'LOCAL_WORD_ONE\(2\.00\)' "our local rule matches"
send_text refuse "Please REFUSE-ME now."
t_like "$LAB_REPLY" '^550 5\.7\.1 .*Refuse_Me' "sluice_action = \"reject\": 550 naming the rule"

# -- a changed file is picked up ----------------------------------------------
n=$(reloads)
sleep 1.2
cat >"$T/rules/mail.yar" <<'YAR'
rule Mark_Two { strings: $a = "MARK-TWO" condition: $a }
YAR
printf 'body LOCAL_WORD_TWO /\\bsandpiper\\b/\nscore LOCAL_WORD_TWO 3\n' >"$T/rules/local.cf"
sleep 1.2
send_text poke1 "A message to look at the files."
t_ok "the change reloads the configuration (no signal)" wait_reloads $((n + 1))
send_text two "Here is MARK-TWO and MARK-ONE, a sandpiper."
t_like "$(syms_of two)" 'YARA_MARK_TWO\(5\.00\)' "the new YARA rule matches"
t_unlike "$(syms_of two)" 'YARA_MARK_ONE' "the old YARA rule is gone"
t_like "$(syms_of two)" 'LOCAL_WORD_TWO\(3\.00\)' "the changed rule file too"

# -- a broken file keeps the running rules -----------------------------------
printf 'rule Broken {\n  condition:\n    no_such_thing\n}\n' >"$T/rules/mail.yar"
sleep 1.2
send_text poke2 "A message to look at the files again."
LAB_WAIT=20 lab_wait grep -q 'reload failed: keeping the running configuration' \
    "$T/lab/log/sluice.log"
t_like "$(grep 'reload: ' "$T/lab/log/sluice.log" | tail -n 3)" \
    'mail\.yar:3: undefined identifier "no_such_thing"' "the log names file:line"
send_text three "MARK-TWO once more."
t_like "$(syms_of three)" 'YARA_MARK_TWO' "the running rules keep working"

e2e_finish
