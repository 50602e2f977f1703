# t/lab/mta.sh - the lab's MTA, Postfix or Sendmail, behind one interface
# (bash).
#
# CONTRACT
#	Sourced by ./quickstart and t/e2e/lib.sh; sources t/lab/postfix.sh
#	(which also holds the helpers every lab script uses: lab_wait,
#	lab_pid_alive, the smtp-sink) and t/lab/sendmail.sh.  Code outside
#	these three files talks to the MTA only through the functions below,
#	so that whatever joins the lab (a DNS server, redis, clamd) works
#	with both MTAs.
#
#	$LAB_MTA (postfix or sendmail; default postfix) chooses the MTA of
#	the labs written from then on; lab_mta_write records it in
#	D/run/mta and every other function reads it from there, so labs of
#	both kinds can run side by side.
#
#	lab_mta_write D PORT SINK "NAMES"  configuration: listen on
#	    127.0.0.1:PORT, call the milters D/run/NAME.sock in that order
#	    ("all": the all-in-one D/run/all.sock), relay to the sink
#	lab_mta_start D PORT     start, wait until it listens
#	lab_mta_stop D           stop it and every process it started
#	lab_mta_pid D            the PID of its main process, if running
#	lab_mta_pids D           every process it runs now
#	lab_mta_queue_empty D    no message left in its queue
#	lab_mta_sent_ok D ID     its log shows message ID delivered
#	lab_mta_qid_now D ID     the queue ID of message ID, from its log
#	lab_mta_of D             postfix or sendmail
#	lab_mta_label D          "Postfix" or "Sendmail" (for messages)
#	lab_mta_etc D            its configuration directory
#	Its log is D/log/maillog for both.

LAB_MTA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_MTA_DIR/postfix.sh"
. "$LAB_MTA_DIR/sendmail.sh"

LAB_MTA=${LAB_MTA:-postfix}

# lab_mta_known NAME: one of the MTAs the lab can run.
lab_mta_known() {
    case $1 in postfix | sendmail) return 0 ;; esac
    return 1
}

lab_mta_of() {
    local m
    m=$(cat "$1/run/mta" 2>/dev/null) && lab_mta_known "$m" && { echo "$m"; return 0; }
    echo postfix
}

lab_mta_label() {
    case $(lab_mta_of "$1") in
    sendmail) echo Sendmail ;;
    *) echo Postfix ;;
    esac
}

lab_mta_write() {
    local d=$1 port=$2 sink=$3 names=$4
    lab_mta_known "$LAB_MTA" || { lab_err "unknown MTA '$LAB_MTA' (postfix or sendmail)"; return 1; }
    mkdir -p "$d/run" || return 1
    echo "$LAB_MTA" >"$d/run/mta"
    case $LAB_MTA in
    postfix) lab_postfix_write "$d" "$port" "$sink" "$(lab_sockets "$d" "$names")" ;;
    sendmail) lab_sendmail_write "$d" "$port" "$sink" "$names" ;;
    esac
}

# lab_mta OP D ARGS...: lab_postfix_OP or lab_sendmail_OP, by D's MTA.
lab_mta() {
    local op=$1 d=$2
    shift 2
    "lab_$(lab_mta_of "$d")_$op" "$d" "$@"
}

lab_mta_start() { lab_mta start "$@"; }
lab_mta_stop() { lab_mta stop "$@"; }
lab_mta_pid() { lab_mta pid "$@"; }
lab_mta_pids() { lab_mta pids "$@"; }
lab_mta_queue_empty() { lab_mta queue_empty "$@"; }
lab_mta_sent_ok() { lab_mta sent_ok "$@"; }
lab_mta_qid_now() { lab_mta qid_now "$@"; }
lab_mta_etc() { lab_mta etc "$@"; }
