-- milter: sluice-attach
-- enforce: yes
-- conf: banned_action = strip
-- Strip mode when the MTA does not allow replacing the body: the .exe
-- that the log would call stripped must never be delivered.
local T = dofile(LIB)
local ADDHDRS, CHGHDRS, QUARANTINE, SETSYMLIST = 0x01, 0x10, 0x20, 0x100

local body, ctype = T.mime_with("update.exe", "application/octet-stream", T.pe_bytes())
local conn, r = T.send({ body = body, ctype = ctype })
T.ok((r == SMFIR_CONTINUE or r == SMFIR_ACCEPT) and mt.eom_check(conn, MT_BODYCHANGE),
     "with SMFIF_CHGBODY the part is stripped")
mt.disconnect(conn)

conn, r = T.send({ body = body, ctype = ctype,
                   actions = ADDHDRS + CHGHDRS + QUARANTINE + SETSYMLIST })
T.refused(conn, r, "451", "4.3.0",
          "Temporary problem checking this message; please try again later.",
          "without SMFIF_CHGBODY the message is temporarily refused")
T.ok(T.logged("the MTA refused to replace the body of the message"),
     "the refused body change is logged")
mt.disconnect(conn)
T.done()
