-- milter: t/sluice-testmod
-- section: testmod
-- enforce: yes
-- Every stage and both state levels of the module interface, through the
-- test module: several messages per connection, per-recipient refusals,
-- an abort between every pair of callbacks, and no state carried from
-- one message to the next (TEST_STATE names what the message's own state
-- saw; TEST_STATE_LEAK would flag a leftover).
local T = dofile(LIB)

local function verdict(conn)
  return mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
end

local function clean_state(conn, want, name)
  local v = verdict(conn)
  T.ok(v:find("TEST_STATE(0.00)[" .. want .. "]", 1, true) ~= nil and
       v:find("TEST_STATE_LEAK", 1, true) == nil, name .. ": " .. v)
end

-- Several messages on one connection, each with its own state.
local conn, r = T.send({ from = "a1@sender.test" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "first message continues")
clean_state(conn, "msg1-rcpts1", "first message: its own state")
conn, r = T.send({ conn = conn, from = "a2@sender.test",
                   rcpts = { "x@rcpt.test", "y@rcpt.test", "z@rcpt.test" } })
clean_state(conn, "msg2-rcpts3", "second message, three recipients")
conn, r = T.send({ conn = conn, from = "a3@sender.test" })
clean_state(conn, "msg3-rcpts1", "third message: nothing of the second left")
mt.disconnect(conn)

-- Several recipients, one refused and one deferred: only those.
local opts = { from = "b@sender.test",
               rcpts = { "ok1@rcpt.test", "refuse-me@rcpt.test",
                         "defer-me@rcpt.test", "ok2@rcpt.test" } }
conn, r = T.send(opts)
local rr = opts.rcpt_replies
T.ok(rr[1] == SMFIR_CONTINUE and rr[4] == SMFIR_CONTINUE,
     "the other recipients are accepted")
T.ok(rr[2] == SMFIR_REPLYCODE and rr[3] == SMFIR_REPLYCODE,
     "refuse-me and defer-me get their own replies")
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "the message goes on for the rest")
clean_state(conn, "msg1-rcpts2", "the message counts only accepted recipients")
T.ok(T.logged('action=reject score=0.00 reason="recipient <refuse-me@rcpt.test>: recipient refused"'),
     "the refused recipient is logged with its summary line")
mt.disconnect(conn)

-- An abort (or a disconnect) between every pair of callbacks, then a
-- whole message on the same connection: no state of the aborted one.
local steps = { "connect", "mail", "rcpt", "header", "body" }
local function run_until(c, k)
  local done = {
    connect = function()
      mt.macro(c, SMFIC_CONNECT, "{client_addr}", "192.0.2.8")
      assert(mt.conninfo(c, "client.test", "192.0.2.8") == nil)
    end,
    mail = function() assert(mt.mailfrom(c, "<gone@sender.test>") == nil) end,
    rcpt = function() assert(mt.rcptto(c, "<gone@rcpt.test>") == nil) end,
    header = function() assert(mt.header(c, "Subject", "aborted") == nil) end,
    body = function() assert(mt.bodystring(c, "aborted\r\n") == nil) end,
  }
  for i = 1, k do done[steps[i]]() end
end
for k = 1, #steps do
  local c = mt.connect(SOCK, 40, 0.05)
  run_until(c, k)
  if k >= 2 then assert(mt.abort(c) == nil) end
  local c2, r2 = T.send({ conn = c, from = "after@sender.test" })
  T.ok(r2 == SMFIR_CONTINUE or r2 == SMFIR_ACCEPT,
       "abort after " .. steps[k] .. ": the next message goes on")
  clean_state(c2, (k >= 2 and "msg2" or "msg1") .. "-rcpts1",
              "abort after " .. steps[k] .. ": no state carried over")
  mt.disconnect(c2)
  -- the same, but the connection goes away instead (close frees it all)
  c = mt.connect(SOCK, 40, 0.05)
  run_until(c, k)
  mt.disconnect(c, false)
end
T.ok(true, "abrupt disconnects at every stage survived")

-- The on_error path at end of message (default tempfail): 451 4.3.0.
conn, r = T.send({ headers = { { "X-Testmod-Fail", "yes" } } })
T.refused(conn, r, "451", "4.3.0",
          "Temporary problem checking this message; please try again later.",
          "a module that fails at end of message: tempfail")
T.ok(T.logged("testmod: check could not run: test failure at end of message (on_error=tempfail)"),
     "the failure is logged with its reason and on_error")
mt.disconnect(conn)

-- A refusal at MAIL FROM answers the whole message.
conn = mt.connect(SOCK, 40, 0.05)
mt.macro(conn, SMFIC_CONNECT, "{client_addr}", "192.0.2.9")
assert(mt.conninfo(conn, "client.test", "192.0.2.9") == nil)
assert(mt.mailfrom(conn, "<refuse@sender.test>") == nil)
T.ok(mt.getreply(conn) == SMFIR_REPLYCODE, "a module refuses at MAIL FROM")
mt.disconnect(conn)

T.done()
