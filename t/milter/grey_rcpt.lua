-- milter: sluice-grey
-- section: grey
-- enforce: yes
-- conf: delay = 2s
-- conf: auto_whitelist = 0
-- common: store_path = @DIR@/store.db
-- sluice-grey over the milter protocol: the answer at RCPT is per
-- recipient (a new triplet deferred, a known one accepted, in one
-- message); the null sender is accepted at RCPT and deferred at the end
-- of the message; after the delay the message passes with X-Greylist
-- added at the end of the message; a store locked past its timeout is
-- the on_error answer at RCPT.
local T = dofile(LIB)

local opts = { rcpts = { "a@rcpt.test", "b@rcpt.test" } }
local conn, r = T.send(opts)
T.ok(opts.rcpt_replies[1] == SMFIR_REPLYCODE and opts.rcpt_replies[2] == SMFIR_REPLYCODE,
     "two new triplets: both recipients deferred at RCPT")
mt.disconnect(conn)
T.ok(T.logged("reason=\"recipient <a@rcpt.test>: greylisted (new): 192.0.2.0/24 <alice@sender.test> <a@rcpt.test>, retry in 2s\""),
     "logged with the triplet and the wait")

conn, r = T.send({ from = "", rcpt = "n@rcpt.test" })
T.refused(conn, r, "451", "4.7.1", "Greylisted: please try again in 2 seconds.",
          "null sender: deferred at the end of the message")
mt.disconnect(conn)

os.execute("sleep 2.1")
opts = { rcpts = { "a@rcpt.test", "c@rcpt.test" } }
conn, r = T.send(opts)
T.ok(opts.rcpt_replies[1] == SMFIR_CONTINUE and opts.rcpt_replies[2] == SMFIR_REPLYCODE,
     "one message: the retried triplet accepted, the new one deferred")
local x = mt.getheader(conn, "X-Greylist", 0) or ""
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and
     x:find("^ ?Delayed for 00:00:0[2-4] by sluice%-grey%-[^ ]+ %(mx%.test%.example %[") ~= nil,
     "after the delay: X-Greylist added: " .. x)
mt.disconnect(conn)
conn, r = T.send({ from = "", rcpt = "n@rcpt.test" })
x = mt.getheader(conn, "X-Greylist", 0)
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and x ~= nil,
     "null sender after the delay: accepted, with X-Greylist")
mt.disconnect(conn)

-- Another process holds the database's write lock for 3 s.
os.execute("/usr/bin/python3 -c 'import sqlite3,time; c=sqlite3.connect(\"" .. DIR ..
           "/store.db\", isolation_level=None); c.execute(\"BEGIN EXCLUSIVE\"); " ..
           "open(\"" .. DIR .. "/locked\", \"w\").close(); time.sleep(3)' &")
for _ = 1, 100 do
  local f = io.open(DIR .. "/locked")
  if f then f:close() break end
  os.execute("sleep 0.05")
end
opts = { rcpts = { "d@rcpt.test" } }
conn, r = T.send(opts)
T.ok(opts.rcpt_replies[1] == SMFIR_REPLYCODE, "a locked store: the recipient gets on_error")
mt.disconnect(conn)
T.ok(T.logged("grey: check could not run: sqlite") and T.logged("database is locked"),
     "logged with the store's reason")
T.done()
