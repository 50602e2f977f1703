-- milter: t/sluice-testmod
-- section: testmod
-- enforce: yes
-- conf: store_counter = yes
-- common: store_path = @DIR@/store.db
-- common: store_timeout = 300ms
-- The store as a module sees it: opened in the worker for a module that
-- needs it, kept across a reload that does not change its settings, and
-- a store locked past its timeout is the module's on_error answer
-- (tempfail), never a silent pass.
local T = dofile(LIB)

local function count(conn)
  local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
  return v:match("TEST_STORE%(0%.00%)%[(%d+)%]"), v
end

local conn, r = T.send({ from = "counted@sender.test" })
local n, v = count(conn)
T.ok(n == "1", "first message of the sender: count 1: " .. v)
conn, r = T.send({ conn = conn, from = "counted@sender.test" })
n, v = count(conn)
T.ok(n == "2", "second message: count 2 (the store keeps it): " .. v)
mt.disconnect(conn)

local opened = 0
for line in io.lines(LOG) do
  if line:find("store: sqlite", 1, true) then opened = opened + 1 end
end
os.execute("kill -USR1 " .. PID)
for _ = 1, 100 do
  if T.logged("configuration reloaded") then break end
  os.execute("sleep 0.05")
end
conn, r = T.send({ from = "counted@sender.test" })
n, v = count(conn)
T.ok(n == "3", "after a reload: count 3: " .. v)
local again = 0
for line in io.lines(LOG) do
  if line:find("store: sqlite", 1, true) then again = again + 1 end
end
T.ok(opened == 1 and again == 1, "the reload kept the open store (opened once)")
mt.disconnect(conn)

-- Another process holds the database's write lock for 2 s.
os.execute("/usr/bin/python3 -c 'import sqlite3,time; c=sqlite3.connect(\"" .. DIR ..
           "/store.db\", isolation_level=None); c.execute(\"BEGIN EXCLUSIVE\"); " ..
           "open(\"" .. DIR .. "/locked\", \"w\").close(); time.sleep(2)' &")
for _ = 1, 100 do
  local f = io.open(DIR .. "/locked")
  if f then f:close() break end
  os.execute("sleep 0.05")
end
conn, r = T.send({ from = "counted@sender.test" })
T.refused(conn, r, "451", "4.3.0",
          "Temporary problem checking this message; please try again later.",
          "a store locked past its timeout: tempfail")
T.ok(T.logged("TESTMOD_TEMPFAIL") or T.logged("check could not run: database is locked"),
     "the failure is logged with the store's reason")
mt.disconnect(conn)
os.execute("sleep 2")
conn, r = T.send({ from = "counted@sender.test" })
n, v = count(conn)
T.ok(n == "4", "the lock gone, the store is used again: count 4: " .. v)
mt.disconnect(conn)
T.done()
