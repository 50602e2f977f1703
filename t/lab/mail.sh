# t/lab/mail.sh - send to the lab and read what happened (bash).
#
# CONTRACT
#	Sourced by ./quickstart and t/e2e/lib.sh after t/lab/mta.sh.
#	Messages are told apart by an ID: the recipient is ID@rcpt.test and
#	the message carries "X-Lab-Id: ID" (see lab_msg), so the MTA's log
#	line, the queue ID and the delivered file of each are found without
#	guessing (Postfix or Sendmail: t/lab/mta.sh).  Every wait polls with a bound ($LAB_WAIT seconds).
#
#	lab_send D PORT ID MSGFILE [SWAKS_ARGS...]
#	    sends with swaks; the transcript is D/out/ID.swaks; sets
#	    LAB_CODE (e.g. 250, 550, 451; "" when no reply) and LAB_REPLY
#	    (the final reply, continuation lines joined with " ").
#	lab_delivered D ID     path of the delivered file (waits for it)
#	lab_qid D ID           the MTA's queue ID of message ID (from its log)
#	lab_header FILE NAME   unfolded values of header NAME, one per line
#	lab_summary D QID MILTER   the milter's summary log line for QID
#	lab_final D QID        the last summary line for QID (any milter)
#	lab_field LINE KEY     value of KEY=... in a summary line

# The final reply of a swaks transcript: the last server reply before
# QUIT (or the last reply at all when the server closed the connection).
lab_reply_of() {
    awk '
        /^ -> / || /^~> / {
            cmd = substr($0, 5)
            if (cmd == "QUIT") { final = last; quit = 1; exit }
            prev_client = 1; next
        }
        /^<-  / || /^<\*\* / || /^<~  / || /^<~\* / {
            line = substr($0, 5)
            if (prev_client || cur == "") {
                cur = line; sub(/^[0-9][0-9][0-9]-/, substr(line, 1, 3) " ", cur)
            } else {
                sub(/^[0-9][0-9][0-9][- ]([245]\.[0-9]+\.[0-9]+ )?/, "", line)
                cur = cur " " line
            }
            last = cur; prev_client = 0; next
        }
        END { if (!quit) final = last; print final }
    ' "$1"
}

lab_send() {
    local d=$1 port=$2 id=$3 msg=$4 t
    shift 4
    mkdir -p "$d/out"
    t=$d/out/$id.swaks
    swaks --server "127.0.0.1:$port" --helo client.sender.test \
        --from alice@sender.test --to "$id@rcpt.test" --data "@$msg" \
        --suppress-data --timeout 60 "$@" >"$t" 2>&1 </dev/null
    LAB_REPLY=$(lab_reply_of "$t")
    LAB_CODE=$(printf '%s' "$LAB_REPLY" | sed -nE 's/^([0-9]{3}).*/\1/p')
}

# lab_sent_ok D ID: the MTA logged the delivery of message ID to the sink.
lab_sent_ok() { lab_mta_sent_ok "$1" "$2"; }

lab_delivered() {
    local d=$1 id=$2 f
    lab_wait lab_sent_ok "$d" "$id" || return 1
    f=$(grep -l -x -F "X-Lab-Id: $id" "$d"/sink/* 2>/dev/null | head -n 1)
    [ -n "$f" ] && echo "$f"
}

# lab_qid D ID: the queue ID the MTA gave message ID (delivered or not).
lab_qid_now() { lab_mta_qid_now "$1" "$2"; }

lab_qid_known() { [ -n "$(lab_qid_now "$1" "$2")" ]; }

lab_qid() {
    lab_wait lab_qid_known "$1" "$2" || return 1
    lab_qid_now "$1" "$2"
}

# lab_header FILE NAME: the header section's NAME values, unfolded.
lab_header() {
    awk -v want="$2" '
        BEGIN { want = tolower(want) }
        /^$/ { flush(); exit }
        /^[ \t]/ { if (cur != "") { sub(/^[ \t]+/, " "); cur = cur $0 }; next }
        { flush(); i = index($0, ":")
          if (i && tolower(substr($0, 1, i - 1)) == want) {
              cur = substr($0, i + 1); sub(/^[ \t]+/, "", cur)
          } }
        function flush() { if (cur != "") print cur; cur = "" }
        END { flush() }
    ' "$1"
}

lab_summary_now() {
    grep -E "qid=$2:? milter=$3 action=" "$1/log/sluice.log" 2>/dev/null | tail -n 1
}

lab_summary_known() { [ -n "$(lab_summary_now "$1" "$2" "$3")" ]; }

lab_summary() {
    LAB_WAIT=${LAB_SUMMARY_WAIT:-5} lab_wait lab_summary_known "$1" "$2" "$3" || return 1
    lab_summary_now "$1" "$2" "$3"
}

# lab_final D QID: the last summary line logged for QID (by any milter:
# in a chain, the enforcer logs last).
lab_final_now() {
    grep -E "qid=$2:? milter=[a-z]+ action=" "$1/log/sluice.log" 2>/dev/null | tail -n 1
}

lab_final_known() { [ -n "$(lab_final_now "$1" "$2")" ]; }

lab_final() {
    LAB_WAIT=${LAB_SUMMARY_WAIT:-5} lab_wait lab_final_known "$1" "$2" || return 1
    lab_final_now "$1" "$2"
}

# lab_field LINE KEY: "reject" for KEY action of "... action=reject
# score=5 ..."; symbols (a list with blanks) runs to the end of the line
# or to a following " reason=".
lab_field() {
    local v=${1#*" $2="}
    [ "$v" = "$1" ] && return 1
    case $2 in
    symbols) echo "${v%% reason=*}" ;;
    *) echo "${v%% *}" ;;
    esac
}

# lab_verdict_field VERDICT KEY: from "ACTION; score=S/T; forced=X;
# symbols=...": KEY action, score, threshold, forced or symbols.
lab_verdict_field() {
    local v=$1
    case $2 in
    action) v=${v%%;*} ;;
    score) v=${v#*score=}; v=${v%%;*}; v=${v%%/*} ;;
    threshold) v=${v#*score=}; v=${v%%;*}; [ "$v" != "${v#*/}" ] && v=${v#*/} || v= ;;
    forced) case $v in *forced=*) v=${v#*forced=}; v=${v%%;*} ;; *) v= ;; esac ;;
    symbols) case $v in *symbols=*) v=${v#*symbols=} ;; *) v= ;; esac ;;
    esac
    printf '%s\n' "$v" | sed 's/^ *//; s/ *$//'
}
