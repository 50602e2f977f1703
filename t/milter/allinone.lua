-- milter: t/sluice-milter-test
-- The all-in-one deployment (test module + attach): results pass in
-- memory, scores add up, one verdict and no X-Sluice-Result headers.
local T = dofile(LIB)

local conn, r = T.send({ body = "Just text.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "clean message continues")
local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok(v:find("^ accept; score=1.00") ~= nil, "verdict sums the test module's 1.00: " .. v)
T.ok(v:find("TEST_MODULE") ~= nil, "verdict lists TEST_MODULE")
T.ok(not mt.eom_check(conn, MT_HDRADD, "X-Sluice-Result"), "no X-Sluice-Result in one process")
mt.disconnect(conn)

-- 14 from the header + 1 = 15 = score_reject.
conn, r = T.send({ headers = { { "X-Testmod-Score", "14" } } })
T.refused(conn, r, "550", "5.7.1", "This message was refused by the content policy of this site.", "scores of two modules add up to a reject")
mt.disconnect(conn)

conn, r = T.send({ headers = { { "X-Testmod-Score", "13" } } })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "14 is below the reject threshold")
v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok(v:find("score=14.00") ~= nil, "verdict score is 14.00: " .. v)
mt.disconnect(conn)

local body, ctype = T.mime_with("tool.exe", "application/octet-stream", T.pe_bytes())
conn, r = T.send({ body = body, ctype = ctype })
T.refused(conn, r, "550", "5.7.1", "Attachment tool.exe was refused: files of this type are not accepted here.", "attach rule still rejects in one process")
mt.disconnect(conn)

T.done()
