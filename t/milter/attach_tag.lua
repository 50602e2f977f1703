-- milter: sluice-attach
-- enforce: no
-- conf: banned_action = tag
-- A non-enforcing attach milter only tags: a signed X-Sluice-Result.
local T = dofile(LIB)

local conn, r = T.send({ body = "Just text.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "clean message continues")
T.ok(mt.eom_check(conn, MT_HDRADD, "X-Sluice-Result"), "tagging milter adds X-Sluice-Result")
local v = mt.getheader(conn, "X-Sluice-Result", 0) or ""
-- miltertest agrees to SMFIP_HDR_LEADSPC, as Postfix and Sendmail do:
-- the value then carries the space after the colon.
T.ok(v:find("^ v=1; attach; qid=MTQ1;") ~= nil, "result names milter and qid: " .. v)
T.ok(v:find("^ [^ ]") ~= nil, "result value starts with one space (Name: value)")
T.ok(v:find("sig=") ~= nil, "result is signed")
T.ok(not mt.eom_check(conn, MT_HDRADD, "X-Sluice-Verdict"), "no verdict from a non-enforcer")
mt.disconnect(conn)

local body, ctype = T.mime_with("setup.exe", "application/octet-stream", T.pe_bytes())
conn, r = T.send({ body = body, ctype = ctype })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "banned_action=tag lets the message through")
v = mt.getheader(conn, "X-Sluice-Result", 0) or ""
T.ok(v:find("ATTACH_BANNED_EXT") ~= nil, "result carries ATTACH_BANNED_EXT: " .. v)
mt.disconnect(conn)

T.done()
