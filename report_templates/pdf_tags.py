"""The finishing touches to Typst's tagged PDF: row headers tagged as such, and MarkInfo poppler reads cleanly.

- **Row headers.** Each body row's first cell (an area, a measure, a month) is the header of its
  row, but Typst tags it ``TD``: a screen reader then reads "Q3, 92" without "Cambs City".
  Typst can tag it ``TH`` only with ``pdf.header-cell``, which sits behind a feature flag the
  ``typst`` Python package cannot set (it has no ``features`` argument; tried with 0.15). So the
  structure tree is retagged here: the first ``TD`` of every ``TR`` under a ``TBody`` becomes a
  ``TH`` with ``/Scope /Row`` and an ``/ID`` (in the tree's ``/IDTree``), and every other cell of
  the row names it in its ``/Headers`` beside its column headers.
- **MarkInfo.** Typst writes ``/Suspects false``; poppler (pdftotext, pdfinfo, the tools a
  council web team runs) reads any value but ``true`` as an error and prints "Syntax Error:
  Suspects object is wrong type (boolean)". ``false`` is the default, so the key is dropped.

pikepdf (qpdf) opens and saves the document; the content streams are not touched.
"""

from __future__ import annotations

from io import BytesIO

import pikepdf

TABLE = pikepdf.Name("/Table")


def finish(data: bytes) -> bytes:
    """The PDF with its row headers tagged and its MarkInfo cleaned (see the module's doc)."""
    with pikepdf.open(BytesIO(data)) as pdf:
        mark = pdf.Root.get("/MarkInfo")
        if mark is not None and "/Suspects" in mark and not bool(mark.Suspects):
            del mark["/Suspects"]
        if "/StructTreeRoot" in pdf.Root:
            row_headers(pdf)
        out = BytesIO()
        # the document's own /ID kept (static), so the same report gives the same bytes; objects packed
        # in object streams (PDF 1.5+): the county PDF is 151 kB against Typst's 391 kB
        pdf.save(out, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [] if k is None else [k]


def _elements(element, name: str):
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            if kid.S == name:
                yield kid
            else:
                yield from _elements(kid, name)


def row_headers(pdf: pikepdf.Pdf) -> int:
    """Retag each body row's first cell as its row's header (``TH``, ``/Scope /Row``); how many were."""
    root = pdf.Root.StructTreeRoot
    if "/IDTree" not in root:
        root.IDTree = pikepdf.NameTree.new(pdf).obj
    ids = pikepdf.NameTree(root.IDTree)
    done = 0
    for t, table in enumerate(_elements(root, "/Table")):
        for body in (
            k for k in _kids(table) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/TBody"
        ):
            for y, row in enumerate(
                k for k in _kids(body) if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/TR"
            ):
                cells = [k for k in _kids(row) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
                if not cells or cells[0].S != "/TD":
                    continue
                header = cells[0]
                ident = pikepdf.String(f"R{t}y{y}")
                header.S = pikepdf.Name("/TH")
                header.ID = ident
                _table_attributes(header)[pikepdf.Name("/Scope")] = pikepdf.Name("/Row")
                ids[str(ident)] = header
                for cell in cells[1:]:
                    attrs = _table_attributes(cell)
                    headers = attrs.get("/Headers")
                    attrs[pikepdf.Name("/Headers")] = pikepdf.Array([*(headers or []), ident])
                done += 1
    return done


def _table_attributes(cell) -> pikepdf.Dictionary:
    """The cell's ``/O /Table`` attribute dictionary (made when it has none)."""
    attrs = cell.get("/A")
    found = [a for a in (attrs if isinstance(attrs, pikepdf.Array) else [attrs] if attrs is not None else [])
             if isinstance(a, pikepdf.Dictionary) and a.get("/O") == TABLE]  # fmt: skip
    if found:
        return found[0]
    new = pikepdf.Dictionary(O=TABLE)
    if attrs is None:
        cell.A = new
    elif isinstance(attrs, pikepdf.Array):
        attrs.append(new)
    else:
        cell.A = pikepdf.Array([attrs, new])
    return new
