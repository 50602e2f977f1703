-- milter: t/sluice-testmod
-- section: testmod
-- enforce: no
-- A chained milter that does not enforce and reads no body (the test
-- module) asks the MTA for no body and buffers none; it answers at the
-- stages where it has callbacks, and tags with a signed X-Sluice-Result.
local T = dofile(LIB)

local conn, r = T.send({ body = "Not wanted.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "the message continues")
T.ok(mt.test_option(conn, SMFIP_NOBODY), "no body asked for (SMFIP_NOBODY)")
T.ok(not mt.test_option(conn, SMFIP_NOHDRS), "headers asked for (the module reads them)")
T.ok(not mt.test_option(conn, SMFIP_NOHELO), "HELO asked for (the module has a HELO callback)")
T.ok(not mt.test_option(conn, SMFIP_NR_CONN) and not mt.test_option(conn, SMFIP_NR_RCPT),
     "replies expected at connect and RCPT (the module may refuse there)")
T.ok(not mt.test_option(conn, SMFIP_NR_HDR),
     "a reply per header (a header flood is refused at the line past the bound)")
local v = mt.getheader(conn, "X-Sluice-Result", 0) or ""
T.ok(v:find("^ ?v=1; testmod; qid=") ~= nil and v:find("TEST_MODULE(1.00)", 1, true) ~= nil,
     "a signed result of the module: " .. v)
T.ok(not mt.eom_check(conn, MT_HDRADD, "X-Sluice-Verdict"), "no verdict from a non-enforcer")
mt.disconnect(conn)
T.done()
