-- milter: sluice-attach
-- conf: banned_extensions = exe
-- SIGUSR1 reloads: a message whose MAIL FROM the milter saw before the
-- reload completes under the old configuration; the next one obeys the
-- new one; a broken new configuration is refused and the old one kept.
local T = dofile(LIB)

local function write_conf(extra)
  local f = assert(io.open(CONF, "r"))
  local text = f:read("*a")
  f:close()
  text = text:gsub("banned_extensions = [^\n]*", "banned_extensions = " .. extra)
  f = assert(io.open(CONF, "w"))
  f:write(text)
  f:close()
end

local function reloads_logged()
  local n = 0
  for line in io.lines(LOG) do
    if line:find("configuration reloaded", 1, true) then n = n + 1 end
  end
  return n
end

local function reload_and_wait()
  local before = reloads_logged()
  os.execute("kill -USR1 " .. PID)
  for _ = 1, 100 do
    if reloads_logged() > before then return true end
    os.execute("sleep 0.05")
  end
  return false
end

local body, ctype = T.mime_with("data.xyz", "application/octet-stream", "Some data.")

-- The in-flight message: MAIL and RCPT before the reload, data after.
local conn = mt.connect(SOCK, 40, 0.05)
mt.macro(conn, SMFIC_CONNECT, "{client_addr}", "192.0.2.7")
mt.conninfo(conn, "client.test", "192.0.2.7")
mt.macro(conn, SMFIC_MAIL, "i", "INFLIGHT")
mt.mailfrom(conn, "<alice@sender.test>")
mt.rcptto(conn, "<bob@rcpt.test>")
write_conf("exe xyz")
T.ok(reload_and_wait(), "SIGUSR1: the reload is logged")
mt.header(conn, "Content-Type", ctype)
mt.bodystring(conn, body)
mt.eom(conn)
local r = mt.getreply(conn)
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "in-flight message completes under the old list")
mt.disconnect(conn)

local c2, r2 = T.send({ body = body, ctype = ctype })
T.refused(c2, r2, "550", "5.7.1", "Attachment data.xyz was refused: files of this type are not accepted here.", "the next message obeys the new list (.xyz refused)")
mt.disconnect(c2)

-- A broken configuration is not swapped in.
write_conf("exe xyz\nno_such_key = 1")
os.execute("kill -USR1 " .. PID .. "; sleep 0.5")
local failed = false
for line in io.lines(LOG) do
  if line:find("reload failed", 1, true) then failed = true end
end
T.ok(failed, "a broken configuration is logged as a failed reload")
c2, r2 = T.send({ body = body, ctype = ctype })
T.refused(c2, r2, "550", "5.7.1", "Attachment data.xyz was refused: files of this type are not accepted here.", "after a failed reload the running list still applies")
mt.disconnect(c2)

T.done()
