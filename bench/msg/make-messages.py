#!/usr/bin/python3
"""make-messages.py - write the benchmark messages of bench/run.sh.

Usage: bench/msg/make-messages.py [OUTDIR]   (default: the script's folder)

Writes, deterministically (same bytes on every run):
  bench.eml      12.7 KB multipart/mixed: text/plain and text/html
                 (quoted-printable UTF-8, two URLs) plus a 6 KiB PDF
                 attachment (base64).  Every Sluice check lets it pass.
  bench-zip.eml  the same message plus a clean zip attachment (three
                 text files and a small PDF inside).  bench/run.sh sends
                 one of these for every nine bench.eml ("zip mix").
Only the Python standard library is used.
"""
import email.policy
import io
import os
import random
import sys
import zipfile
import zlib
from email.message import EmailMessage

DATE = "Sun, 22 Nov 2026 10:00:00 +0000"
FIXED_ZIP_TIME = (2026, 11, 22, 10, 0, 0)

TEXT = """Hello Bob,

here is the quarterly report we talked about on Friday. The PDF has the
figures for all three regions; the summary is below.

  * Nordics: deliveries up 4 %, returns down.
  * Baltics: flat, the new warehouse opens in January.
  * Finland: the Åbo office moved to Slottsgatan, new phone numbers soon.

The full dashboard is at https://reports.bench.example/q3/dashboard and
the archive of earlier reports at https://intranet.bench.example/reports.

Hälsningar / Terveisin,
Alice

-- 
Alice Andersson, Bench Example AB
"""


def pdf_bytes(size, seed):
    """A small, valid PDF of about `size` bytes (a text page)."""
    rnd = random.Random(seed)
    words = ("revenue margin growth region quarter forecast budget "
             "delivery return warehouse customer order invoice").split()
    lines = []
    total = 0
    y = 780
    while total < size - 700:
        line = " ".join(rnd.choice(words) for _ in range(9))
        op = "BT /F1 9 Tf 40 %d Td (%s) Tj ET\n" % (y, line)
        lines.append(op)
        total += len(op)
        y = 780 if y < 60 else y - 11
    content = "".join(lines).encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content +
        b"endstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, xref))
    return out.getvalue()


def zip_bytes():
    """A clean zip: three text files and a small PDF."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, name in enumerate(("notes.txt", "minutes.txt", "todo.txt")):
            info = zipfile.ZipInfo("docs/" + name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, (TEXT * (2 + i)).encode("utf-8"))
        info = zipfile.ZipInfo("docs/summary.pdf", FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, pdf_bytes(3000, 7))
    return out.getvalue()


def table_rows():
    """The figures table of the HTML part (deterministic)."""
    rnd = random.Random(3)
    rows = []
    for region in ("Nordics", "Baltics", "Finland", "Norway", "Denmark"):
        for month in ("July", "August", "September"):
            rows.append("<tr><td>%s</td><td>%s</td><td align=\"right\">%d"
                        "</td><td align=\"right\">%d</td><td align=\"right\">"
                        "%.1f %%</td></tr>\n" % (
                            region, month, rnd.randint(900, 9000),
                            rnd.randint(10, 400), rnd.uniform(-5, 9)))
    return ("<table border=\"1\" cellpadding=\"3\" style=\"border-collapse:"
            "collapse;font-family:Arial,sans-serif;font-size:12px\">\n"
            "<tr><th>Region</th><th>Month</th><th>Orders</th><th>Returns"
            "</th><th>Change</th></tr>\n%s</table>\n" % "".join(rows))


def html_part():
    paras = "".join("<p>%s</p>\n" % p.replace("\n", " ")
                    for p in TEXT.split("\n\n"))
    paras += table_rows()
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>Quarterly report</title></head>\n<body>\n%s"
            "<p><a href=\"https://reports.bench.example/q3/dashboard\">"
            "Dashboard</a> | <a href=\"https://intranet.bench.example/"
            "reports\">Archive</a></p>\n</body></html>\n" % paras)


def message(with_zip):
    m = EmailMessage(policy=email.policy.default)
    m["From"] = "Alice Andersson <alice@bench.example>"
    m["To"] = "Bob Berg <bob@dest.example>"
    m["Subject"] = "Quarterly report Q3" + (" (with archive)" if with_zip
                                            else "")
    m["Date"] = DATE
    m["Message-ID"] = "<q3-report-%s@bench.example>" % (
        "zip" if with_zip else "plain")
    m["X-Mailer"] = "bench/msg/make-messages.py (Sluice benchmark)"
    m["MIME-Version"] = "1.0"
    m.set_content(TEXT, subtype="plain", charset="utf-8", cte="quoted-printable")
    m.add_alternative(html_part(), subtype="html", charset="utf-8",
                      cte="quoted-printable")
    m.make_mixed()
    m.add_attachment(pdf_bytes(6144, 1), maintype="application",
                     subtype="pdf", filename="report-q3.pdf")
    if with_zip:
        m.add_attachment(zip_bytes(), maintype="application",
                         subtype="zip", filename="documents.zip")
    # fixed boundaries, so that the bytes never change between runs
    n = 0
    for part in m.walk():
        if part.is_multipart():
            n += 1
            part.set_boundary("=_bench_boundary_%d_%s" % (n, "2026q3"))
    return m.as_bytes()


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, with_zip in (("bench.eml", False), ("bench-zip.eml", True)):
        data = message(with_zip)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
