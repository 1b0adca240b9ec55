#!/usr/bin/env python3
"""Writes stca-briefing-note.pdf, the sample campaign's briefing note: two pages of text in
the PDF's built-in Helvetica, written by us for the sample content (CC0). Run it again after
changing the words; the server copies the PDF in as a resource on an empty database."""
import os

TITLE = "Briefing note: the Safe Third Country Agreement"
PAGES = [
    [("h", TITLE), ("p", "Sample content from Sanctuary. Replace it with your own research before you campaign."), ("s", ""),
     ("h2", "What the agreement does"),
     ("p", "Since 2004, a person who reaches the Canada-United States land border and asks for refugee protection"),
     ("p", "is, with a few exceptions, sent back to the United States to make their claim there. In 2023 the rule"),
     ("p", "was extended to the whole border, including the places between official crossings."), ("s", ""),
     ("h2", "Why it matters"),
     ("p", "Refugee lawyers, faith groups and human-rights organisations have documented people returned to"),
     ("p", "detention and to the risk of removal to the countries they fled. The Supreme Court of Canada upheld"),
     ("p", "the agreement in 2023 but sent the question of equality rights back to the Federal Court."), ("s", ""),
     ("h2", "The exceptions"),
     ("p", "Family members in Canada, unaccompanied minors, holders of Canadian documents, and people facing"),
     ("p", "the death penalty may still claim at the border. Most people who cross do not qualify.")],
    [("h2", "What we ask"),
     ("p", "1. Suspend the agreement while the Federal Court hears the equality-rights question."),
     ("p", "2. Publish how many people were returned, and what happened to them, every quarter."),
     ("p", "3. Fund legal aid for people who claim protection inside Canada."), ("s", ""),
     ("h2", "How to use this note"),
     ("p", "Bring it to a meeting with your Member of Parliament, or attach it to your letter. Ask for an answer"),
     ("p", "in writing, and tell us what they said: we publish every reply we receive."), ("s", ""),
     ("h2", "Sources to read"),
     ("p", "- The agreement's text and the Government of Canada's summary (canada.ca)."),
     ("p", "- Canadian Council for Refugees v. Canada, 2023 SCC 17."),
     ("p", "- Reports of the Canadian Council for Refugees on people returned at the border.")],
]
SIZES = {"h": 18, "h2": 13, "p": 11, "s": 11}


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_stream(lines, number):
    out, y = ["BT"], 780
    for kind, text in lines:
        font = "F2" if kind in ("h", "h2") else "F1"
        y -= SIZES[kind] + (10 if kind == "h2" else 6)
        out.append(f"/{font} {SIZES[kind]} Tf 1 0 0 1 56 {y} Tm ({escape(text)}) Tj")
    out.append(f"/F1 9 Tf 1 0 0 1 56 40 Tm (Page {number} of {len(PAGES)}) Tj")
    out.append("ET")
    return "\n".join(out).encode("latin-1")


objects = []
def add(body):
    objects.append(body)
    return len(objects)

catalog = add(None)
pages = add(None)
regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
kids = []
for number, lines in enumerate(PAGES, 1):
    stream = page_stream(lines, number)
    content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>" % (pages, content, regular, bold)))
objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
info = add(b"<< /Title (%s) /Producer (Sanctuary sample content) >>" % escape(TITLE).encode("latin-1"))

pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for index, body in enumerate(objects, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n" % index + body + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for offset in offsets:
    pdf += b"%010d 00000 n \n" % offset
pdf += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, info, xref)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stca-briefing-note.pdf")
open(path, "wb").write(pdf)
print(f"wrote {path} ({len(pdf)} bytes)")
