-- milter: t/sluice-testmod
-- section: testmod
-- enforce: yes
-- conf: on_error = reject
-- on_error = reject: a check that could not run refuses with 550.
local T = dofile(LIB)

local conn, r = T.send({ headers = { { "X-Testmod-Fail", "yes" } } })
T.refused(conn, r, "550", "5.7.1",
          "This message could not be checked and was refused; please contact the postmaster.",
          "failure at end of message, on_error=reject")
mt.disconnect(conn)

conn = mt.connect(SOCK, 40, 0.05)
mt.macro(conn, SMFIC_CONNECT, "{client_addr}", "192.0.2.9")
assert(mt.conninfo(conn, "client.test", "192.0.2.9") == nil)
assert(mt.mailfrom(conn, "<fail@sender.test>") == nil)
T.ok(mt.getreply(conn) == SMFIR_REPLYCODE, "failure at MAIL FROM, on_error=reject: refused")
mt.disconnect(conn)
T.ok(T.logged("milter=testmod action=reject"), "the refusal's summary line")
T.done()
