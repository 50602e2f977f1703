-- milter: t/sluice-testmod
-- section: testmod
-- enforce: yes
-- common: store_path = @DIR@/store.db
-- common: score_greylist = 5
-- common: greylist_delay = 2s
-- Score-based greylisting, taken by the enforcer (libcommon greylist.c):
-- a message whose score reaches score_greylist is deferred with the
-- greylist reply and remembered in the store; the same message sent again
-- before greylist_delay is deferred again, after it passes with the action
-- its score reaches below greylist (add_header here) and
-- SLUICE_GREYLIST_PASSED in the verdict; another body is another message.
local T = dofile(LIB)
local GREY = "This message was delayed by greylisting; please try again in a few minutes."
local score = { { "X-Testmod-Score", "6" } }

local conn, r = T.send({ headers = score })
T.refused(conn, r, "451", "4.7.1", GREY, "score 7 >= score_greylist 5: deferred")
mt.disconnect(conn)
T.ok(T.logged("greylist: message deferred, its retry passes in 2 s"),
     "the deferral is logged with the wait")
conn, r = T.send({ headers = score })
T.refused(conn, r, "451", "4.7.1", GREY, "sent again at once: deferred again")
mt.disconnect(conn)
os.execute("sleep 2.2")
conn, r = T.send({ headers = score })
local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and
     v:find("^ ?add_header; score=7%.00/5%.00") ~= nil and
     v:find("SLUICE_GREYLIST_PASSED%(0%.00%)%[delayed [23]s%]") ~= nil,
     "after greylist_delay the same message passes, tagged: " .. v)
mt.disconnect(conn)
conn, r = T.send({ headers = score, body = "another body\r\n" })
T.refused(conn, r, "451", "4.7.1", GREY, "another body: a new message, deferred")
mt.disconnect(conn)
conn, r = T.send({})
v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and v:find("^ ?accept;") ~= nil,
     "a message under score_greylist is not greylisted: " .. v)
mt.disconnect(conn)
T.done()
