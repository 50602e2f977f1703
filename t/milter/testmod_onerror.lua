-- milter: t/sluice-testmod
-- section: testmod
-- enforce: yes
-- conf: on_error = accept
-- on_error = accept: a check that could not run never passes silently:
-- the message goes on, and TESTMOD_TEMPFAIL with the reason is in its
-- result, at every stage where the module failed.
local T = dofile(LIB)

local function has(conn, s)
  local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
  return v:find(s, 1, true) ~= nil, v
end

local conn, r = T.send({ from = "fail@sender.test" })
local ok, v = has(conn, "TESTMOD_TEMPFAIL(0.00)[test_failure_at_MAIL_FROM]")
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and ok,
     "failure at MAIL FROM, on_error=accept: goes on, with the symbol: " .. v)
mt.disconnect(conn)

conn, r = T.send({ headers = { { "X-Testmod-Fail", "yes" } } })
ok, v = has(conn, "TESTMOD_TEMPFAIL(0.00)[test_failure_at_end_of_message]")
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and ok,
     "failure at end of message, on_error=accept: the symbol: " .. v)
mt.disconnect(conn)

conn, r = T.send({ client = "192.0.2.67" })
ok, v = has(conn, "TESTMOD_TEMPFAIL(0.00)[test_failure_at_connect]")
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and ok,
     "failure at connect: the symbol reaches the message's verdict: " .. v)
conn, r = T.send({ conn = conn })
ok, v = has(conn, "TESTMOD_TEMPFAIL(0.00)[test_failure_at_connect]")
T.ok(ok, "... and every message of that connection: " .. v)
mt.disconnect(conn)

local opts = { rcpts = { "fail-rcpt@rcpt.test", "bob@rcpt.test" } }
conn, r = T.send(opts)
ok, v = has(conn, "TESTMOD_TEMPFAIL(0.00)[test_failure_at_RCPT_TO]")
T.ok(opts.rcpt_replies[1] == SMFIR_CONTINUE and ok,
     "failure at RCPT, on_error=accept: the recipient is kept, the symbol: " .. v)
mt.disconnect(conn)

T.ok(T.logged("(on_error=accept)"), "each failure is logged with on_error=accept")
T.done()
