-- lib.lua: shared helpers for the miltertest scenarios, so each test is a
-- short story.  Loaded with dofile(LIB); SOCK, SECRET, LOG come from -D.
local T = { n = 0, failed = 0, qid = 0 }

function T.ok(cond, name)
  T.n = T.n + 1
  if cond then
    print("ok " .. T.n .. " - " .. name)
  else
    T.failed = T.failed + 1
    print("not ok " .. T.n .. " - " .. name)
  end
  return cond
end

-- The value of header NAME (n-th, 0-based) that the milter added, without
-- the one leading space it sends: it asks for SMFIP_HDR_LEADSPC, so the
-- MTA writes "Name:" and the value as given.  "" when there is none.
function T.header(conn, name, n)
  local v = mt.getheader(conn, name, n or 0) or ""
  return (v:gsub("^ ", "", 1))
end

function T.done()
  print("1.." .. T.n)
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function T.base64(data)
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
      .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=")
      .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
    if #out % 19 == 0 then out[#out + 1] = "\r\n" end
  end
  return table.concat(out)
end

-- A tiny PE image: "MZ" header whose e_lfanew points at "PE\0\0".
function T.pe_bytes()
  local h = "MZ" .. string.rep("\0", 58) .. "\64\0\0\0"
  return h .. "PE\0\0" .. string.rep("\0", 20) .. string.rep("x", 200)
end

-- multipart/mixed body with a text part and one attachment.
function T.mime_with(filename, ctype, data)
  local b = "sluice-mt-boundary"
  return "--" .. b .. "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    .. "Hello, see the attachment.\r\n"
    .. "--" .. b .. "\r\nContent-Type: " .. ctype .. "; name=\"" .. filename
    .. "\"\r\nContent-Disposition: attachment; filename=\"" .. filename
    .. "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    .. T.base64(data) .. "\r\n--" .. b .. "--\r\n",
    "multipart/mixed; boundary=\"" .. b .. "\""
end

-- Send one message.  opts: from, rcpt, headers (list of {name, value}),
-- body, ctype, qid.  Returns conn, reply of eom.
function T.send(opts)
  local conn = mt.connect(SOCK, 40, 0.05)
  assert(conn, "cannot connect to " .. SOCK)
  T.qid = T.qid + 1
  local qid = opts.qid or ("MTQ" .. T.qid)
  mt.macro(conn, SMFIC_CONNECT, "j", "mx.test.example", "{client_addr}",
           opts.client or "192.0.2.7")
  assert(mt.conninfo(conn, "client.test", opts.client or "192.0.2.7") == nil)
  -- HELO and end of headers are negotiated away (SMFIP_NOHELO,
  -- SMFIP_NOEOH): miltertest refuses to send them.
  mt.macro(conn, SMFIC_MAIL, "i", qid)
  assert(mt.mailfrom(conn, "<" .. (opts.from or "alice@sender.test") .. ">") == nil)
  mt.macro(conn, SMFIC_RCPT, "i", qid)
  assert(mt.rcptto(conn, "<" .. (opts.rcpt or "bob@rcpt.test") .. ">") == nil)
  local hdrs = {
    { "From", "alice@sender.test" }, { "To", "bob@rcpt.test" },
    { "Subject", opts.subject or "miltertest" }, { "MIME-Version", "1.0" },
    { "Content-Type", opts.ctype or "text/plain; charset=us-ascii" },
  }
  for _, h in ipairs(opts.headers or {}) do hdrs[#hdrs + 1] = h end
  for _, h in ipairs(hdrs) do assert(mt.header(conn, h[1], h[2]) == nil) end
  assert(mt.bodystring(conn, opts.body or "hello\r\n") == nil)
  assert(mt.eom(conn) == nil)
  return conn, mt.getreply(conn), qid
end

return T
