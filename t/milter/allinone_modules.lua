-- milter: sluice-milter
-- common: modules = attach
-- sluice-milter with [common] modules = attach runs that module only:
-- it negotiates what attach needs (no HELO, no reply before DATA, which
-- policy and grey would need), logs its modules, and its verdict has no
-- other module's symbols; attach still refuses an .exe.
local T = dofile(LIB)

local conn, r = T.send({ body = "Just text.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "clean message continues")
T.ok(mt.test_option(conn, SMFIP_NOHELO), "asks not to get HELO (policy does not run)")
T.ok(mt.test_option(conn, SMFIP_NR_MAIL) and mt.test_option(conn, SMFIP_NR_RCPT),
     "no reply at MAIL and RCPT (grey does not run)")
local v = mt.getheader(conn, "X-Sluice-Verdict", 0) or ""
T.ok(v:find("^ accept") ~= nil and v:find("POLICY_") == nil and v:find("GREY") == nil
     and v:find("CONTENT_") == nil, "a verdict of attach alone: " .. v)
T.ok(T.logged("modules: attach"), "the log names the modules it runs")
mt.disconnect(conn)

local body, ctype = T.mime_with("tool.exe", "application/octet-stream", T.pe_bytes())
conn, r = T.send({ body = body, ctype = ctype })
T.refused(conn, r, "550", "5.7.1", "Attachment tool.exe was refused: files of this type are not accepted here.", "attach still rejects")
mt.disconnect(conn)

T.done()
