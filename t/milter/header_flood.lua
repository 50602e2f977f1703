-- milter: sluice-attach
-- enforce: yes
-- A header flood is refused at the header past [common] max_header_lines
-- (10000 by default) or max_header_bytes (1M): 552 5.3.4 at once, so
-- that the MTA stops sending; every header before it is answered.
local T = dofile(LIB)

local function start(qid)
  local conn = mt.connect(SOCK, 40, 0.05)
  assert(conn, "cannot connect to " .. SOCK)
  mt.macro(conn, SMFIC_CONNECT, "j", "mx.test.example", "{client_addr}",
           "192.0.2.7")
  assert(mt.conninfo(conn, "client.test", "192.0.2.7") == nil)
  mt.macro(conn, SMFIC_MAIL, "i", qid)
  assert(mt.mailfrom(conn, "<alice@sender.test>") == nil)
  mt.macro(conn, SMFIC_RCPT, "i", qid)
  assert(mt.rcptto(conn, "<bob@rcpt.test>") == nil)
  return conn
end

-- Lines: the 10000th is answered "continue", the 10001st refused.
local conn = start("FLOOD1")
local cont, first_refusal = 0, nil
for i = 1, 10001 do
  assert(mt.header(conn, "X-Flood", tostring(i)) == nil)
  if mt.getreply(conn) == SMFIR_CONTINUE then
    cont = cont + 1
  elseif first_refusal == nil then
    first_refusal = i
  end
end
T.ok(cont == 10000, "the first 10000 header lines are answered: " .. cont)
T.ok(first_refusal == 10001, "header line 10001 is refused: " ..
     tostring(first_refusal))
T.ok(mt.getreply(conn) == SMFIR_REPLYCODE, "... with a reply code (552 5.3.4)")
mt.disconnect(conn)

-- Bytes: 900-byte headers (about 910 bytes each with "X-Big: " and
-- CRLF; miltertest cannot send much longer ones) go over 1 MiB after
-- some 1150.
conn = start("FLOOD2")
local big, n = string.rep("x", 900), 0
for i = 1, 2000 do
  assert(mt.header(conn, "X-Big", big) == nil)
  n = i
  if mt.getreply(conn) ~= SMFIR_CONTINUE then break end
end
T.ok(n >= 1140 and n <= 1160 and mt.getreply(conn) == SMFIR_REPLYCODE,
     "a header over max_header_bytes (1M) is refused at once: header " .. n)
mt.disconnect(conn)

-- The log says why, with the queue ID.
local f = io.open(LOG, "r")
local log = f and f:read("*a") or ""
if f then f:close() end
T.ok(log:find("qid=FLOOD1: warning: too many header lines", 1, true) ~= nil,
     "the log says: too many header lines")
T.ok(log:find("qid=FLOOD2: warning: header too big", 1, true) ~= nil,
     "the log says: header too big")

-- A normal message after them goes through.
conn = start("FLOOD3")
assert(mt.header(conn, "Subject", "hello") == nil)
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "a normal header is answered continue")
assert(mt.bodystring(conn, "hello\r\n") == nil)
assert(mt.eom(conn) == nil)
T.ok(mt.getreply(conn) == SMFIR_CONTINUE or mt.getreply(conn) == SMFIR_ACCEPT,
     "a normal message is accepted")
mt.disconnect(conn)

T.done()
