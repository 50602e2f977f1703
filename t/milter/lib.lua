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

-- The end-of-message reply was exactly "RCODE XCODE TEXT".
function T.refused(conn, r, rcode, xcode, text, name)
  local good = r == SMFIR_REPLYCODE and
    mt.eom_check(conn, MT_SMTPREPLY, rcode, xcode, text)
  return T.ok(good, name .. " (" .. rcode .. " " .. xcode .. " " .. text .. ")")
end

-- A line of the milter's log contains s (plain text).
function T.logged(s)
  for line in io.lines(LOG) do
    if line:find(s, 1, true) then return true end
  end
  return false
end

-- Send one message.  opts: from, rcpt, headers (list of {name, value}),
-- body, ctype, qid, actions and steps (offered at negotiation; nil: the
-- defaults), conn (go on on an open connection).  Returns conn, reply
-- of eom.
function T.send(opts)
  local conn = opts.conn
  if conn then return T.message(conn, opts) end
  conn = mt.connect(SOCK, 40, 0.05)
  assert(conn, "cannot connect to " .. SOCK)
  if opts.actions or opts.steps then
    -- miltertest 1.6.0 takes the steps before the actions, whatever its
    -- manual says
    assert(mt.negotiate(conn, nil, opts.steps, opts.actions) == nil)
  end
  mt.macro(conn, SMFIC_CONNECT, "j", "mx.test.example", "{client_addr}",
           opts.client or "192.0.2.7")
  assert(mt.conninfo(conn, "client.test", opts.client or "192.0.2.7") == nil)
  -- HELO and end of headers are negotiated away (SMFIP_NOHELO,
  -- SMFIP_NOEOH): miltertest refuses to send them.
  return T.message(conn, opts)
end

-- One message on an open connection (after connect).
function T.message(conn, opts)
  T.qid = T.qid + 1
  local qid = opts.qid or ("MTQ" .. T.qid)
  mt.macro(conn, SMFIC_MAIL, "i", qid)
  assert(mt.mailfrom(conn, "<" .. (opts.from or "alice@sender.test") .. ">") == nil)
  -- opts.rcpts: several recipients; the reply to each goes to
  -- opts.rcpt_replies[i].
  opts.rcpt_replies = {}
  for i, rc in ipairs(opts.rcpts or { opts.rcpt or "bob@rcpt.test" }) do
    mt.macro(conn, SMFIC_RCPT, "i", qid)
    assert(mt.rcptto(conn, "<" .. rc .. ">") == nil)
    opts.rcpt_replies[i] = mt.getreply(conn)
  end
  local hdrs = {
    { "From", "alice@sender.test" }, { "To", "bob@rcpt.test" },
    { "Subject", opts.subject or "miltertest" }, { "MIME-Version", "1.0" },
    { "Content-Type", opts.ctype or "text/plain; charset=us-ascii" },
  }
  for _, h in ipairs(opts.headers or {}) do hdrs[#hdrs + 1] = h end
  -- What the milter asked not to get (SMFIP_NOHDRS, SMFIP_NOBODY),
  -- miltertest refuses to send.
  if not mt.test_option(conn, SMFIP_NOHDRS) then
    for _, h in ipairs(hdrs) do assert(mt.header(conn, h[1], h[2]) == nil) end
  end
  if not mt.test_option(conn, SMFIP_NOBODY) then
    assert(mt.bodystring(conn, opts.body or "hello\r\n") == nil)
  end
  assert(mt.eom(conn) == nil)
  return conn, mt.getreply(conn), qid
end

return T
