-- milter: sluice-attach
-- enforce: yes
-- The enforcing attach milter: verdicts, early rejects, header trust.
local T = dofile(LIB)

local function sign(qid, syms)
  local f = io.popen(os.getenv("top_builddir") .. "/t/sluice-sign " .. SECRET
                     .. " policy " .. qid .. " " .. syms)
  local v = f:read("*l")
  f:close()
  return v
end

-- A clean message is accepted and carries the verdict and our result.
local conn, r = T.send({ body = "Just text.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "clean message continues")
T.ok(mt.eom_check(conn, MT_HDRADD, "X-Sluice-Verdict"), "clean message gets X-Sluice-Verdict")
local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok(v:find("^ accept") ~= nil, "clean verdict is accept: " .. v)
T.ok(v:find("^ [^ ]") ~= nil, "verdict value starts with one space (Name: value)")
T.ok(mt.eom_check(conn, MT_HDRADD, "X-Sluice-Result"), "enforcer adds its own signed result")
mt.disconnect(conn)

-- An .exe attachment is refused at end of message with a reply code.
local body, ctype = T.mime_with("invoice.exe", "application/octet-stream", T.pe_bytes())
conn, r = T.send({ body = body, ctype = ctype })
T.refused(conn, r, "550", "5.7.1", "Attachment invoice.exe was refused: files of this type are not accepted here.", "exe attachment rejected")
mt.disconnect(conn)

-- A PE named .pdf is refused too (true type, not the name).
body, ctype = T.mime_with("report.pdf", "application/pdf", T.pe_bytes())
conn, r = T.send({ body = body, ctype = ctype })
T.refused(conn, r, "550", "5.7.1", "Attachment report.pdf was refused: it is a program disguised as another type of file.", "PE disguised as .pdf rejected")
mt.disconnect(conn)

-- A forged result (bad signature, huge score) is removed and ignored.
local forged = "v=1; policy; qid=MTQ4; score=100.00; symbols=EVIL(100.00); sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
conn, r = T.send({ headers = { { "X-Sluice-Result", forged } }, qid = "MTQ4" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "forged result does not steer the verdict")
T.ok(mt.eom_check(conn, MT_HDRDELETE, "X-Sluice-Result"), "forged result header removed")
v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok(v:find("SLUICE_FORGED_RESULT") ~= nil, "verdict names SLUICE_FORGED_RESULT")
mt.disconnect(conn)

-- A correctly signed result for this queue ID counts: score 20 >= 15.
local good = sign("MTQ5", "POLICY_TEST=20")
conn, r = T.send({ headers = { { "X-Sluice-Result", good } }, qid = "MTQ5" })
T.ok(good ~= nil, "t/sluice-sign made a signed result")
T.refused(conn, r, "550", "5.7.1", "This message was refused by the content policy of this site.", "signed result with score 20 leads to reject")
mt.disconnect(conn)

-- The same signed result replayed on another queue ID is not trusted.
conn, r = T.send({ headers = { { "X-Sluice-Result", good } }, qid = "MTQ6" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "replayed result (other qid) ignored")
T.ok(mt.eom_check(conn, MT_HDRDELETE, "X-Sluice-Result"), "replayed result removed")
mt.disconnect(conn)

-- An inbound X-Sluice-Verdict is never kept.
conn, r = T.send({ headers = { { "X-Sluice-Verdict", "accept; score=0.00/15.00" } } })
T.ok(mt.eom_check(conn, MT_HDRDELETE, "X-Sluice-Verdict"), "inbound X-Sluice-Verdict removed")
mt.disconnect(conn)

T.done()
