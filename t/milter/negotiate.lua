-- milter: sluice-attach
-- enforce: yes
-- What the enforcing sluice-attach asks of the MTA, and what happens when
-- the MTA refuses an action it needs: the message is temporarily
-- refused, never delivered without the change; the refusal is logged.
local T = dofile(LIB)
-- libmilter/mfdef.h
local ADDHDRS, CHGBODY, CHGHDRS, QUARANTINE, SETSYMLIST =
  0x01, 0x02, 0x10, 0x20, 0x100
local ALL_STEPS, NOUNKNOWN = 0x1FFFFF, 0x100

local conn, r = T.send({ body = "Just text.\r\n" })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "clean message continues")
T.ok(mt.test_option(conn, SMFIP_NOHELO), "asks not to get HELO (no module needs it)")
T.ok(mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_MAIL)
     and mt.test_option(conn, SMFIP_NR_RCPT),
     "no reply at connect, MAIL and RCPT (no module answers there)")
T.ok(not mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NR_BODY),
     "a reply to each header (the one past the header bounds is refused at " ..
     "once: header_flood.lua), none to body chunks")
T.ok(not mt.test_option(conn, SMFIP_NOHDRS) and not mt.test_option(conn, SMFIP_NOBODY),
     "headers and body are needed (attach reads them; it enforces)")
T.ok(mt.test_action(conn, ADDHDRS) and mt.test_action(conn, CHGHDRS)
     and mt.test_action(conn, CHGBODY) and mt.test_action(conn, QUARANTINE),
     "asks to add and change headers, replace the body, quarantine")
T.ok(mt.test_action(conn, SETSYMLIST), "asks for its macros (smfi_setsymlist)")
mt.disconnect(conn)

-- The MTA does not allow adding headers: no verdict header can be added.
conn, r = T.send({ body = "Just text.\r\n",
                   actions = CHGBODY + CHGHDRS + QUARANTINE + SETSYMLIST })
T.refused(conn, r, "451", "4.3.0",
          "Temporary problem checking this message; please try again later.",
          "no SMFIF_ADDHDRS: the message is temporarily refused")
T.ok(T.logged("the MTA does not allow SMFIF_ADDHDRS"), "negotiation logs the missing action")
T.ok(T.logged("qid=MTQ2: error: the MTA refused to add X-Sluice-Result"),
     "the failed call is logged with the qid")
mt.disconnect(conn)

-- The MTA does not allow header changes: a forged result cannot be removed.
local forged = "v=1; policy; qid=MTQ9; score=100.00; symbols=EVIL(100.00); sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
conn, r = T.send({ headers = { { "X-Sluice-Result", forged } }, qid = "MTQ9",
                   actions = ADDHDRS + CHGBODY + QUARANTINE + SETSYMLIST })
T.refused(conn, r, "451", "4.3.0",
          "Temporary problem checking this message; please try again later.",
          "no SMFIF_CHGHDRS: a forged result is not delivered")
mt.disconnect(conn)

-- A protocol step the milter asks for is not offered: logged, goes on.
-- (miltertest always offers the SMFIP_NR_* steps itself.)
conn, r = T.send({ body = "Just text.\r\n", steps = ALL_STEPS - NOUNKNOWN })
T.ok(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "without SMFIP_NOUNKNOWN the milter still works")
T.ok(T.logged("the MTA does not offer SMFIP_NOUNKNOWN"), "the missing step is logged")
mt.disconnect(conn)

T.done()
