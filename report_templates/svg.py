"""Drawings as SVG: reportlab's own SVG renderer, writing into a light document.

reportlab's ``renderSVG`` builds an ``xml.dom.minidom`` document and serialises it; at national
scale two thirds of that time went on minidom itself, most of it attribute bookkeeping (a funnel
plot of 300 districts is about 600 elements: 39 ms a chart, four charts a slice). The canvas here is
reportlab's, unchanged, with its document swapped for the few DOM calls the renderer makes
(create an element or text, set and read an attribute, append a child) and minidom's way of
writing them out: the SVG is byte for byte what ``renderSVG.drawToString`` returns, which
``tests/integration/test_report.py`` checks for every kind of chart the reports draw.
"""

from __future__ import annotations

from io import StringIO
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.renderbase import renderScaledDrawing
from reportlab.graphics.shapes import Drawing

_QUOTE = {'"': "&quot;"}


def _escaped(text: str) -> str:  # what minidom escapes: & < > and "
    return escape(text, _QUOTE)


class _Text:
    __slots__ = ("data",)

    def __init__(self, data: str):
        self.data = data

    def write(self, out: list[str], indent: str, addindent: str, newl: str) -> None:
        out.append(_escaped(f"{indent}{self.data}{newl}"))


class _Element:
    __slots__ = ("tagName", "attributes", "childNodes")

    def __init__(self, tag: str):
        self.tagName = tag
        self.attributes: dict[str, str] = {}  # in the order first set, as minidom writes them
        self.childNodes: list[_Element | _Text] = []

    def setAttribute(self, name: str, value: str) -> None:  # noqa: N802 - the DOM's names
        self.attributes[name] = value

    def getAttribute(self, name: str) -> str:  # noqa: N802
        return self.attributes.get(name, "")

    def appendChild(self, node):  # noqa: N802
        self.childNodes.append(node)
        return node

    def write(self, out: list[str], indent: str, addindent: str, newl: str) -> None:
        out.append(f"{indent}<{self.tagName}")
        for name, value in self.attributes.items():
            out.append(f' {name}="{_escaped(value)}"')
        children = self.childNodes
        if not children:
            out.append(f"/>{newl}")
            return
        out.append(">")
        if len(children) == 1 and isinstance(children[0], _Text):
            children[0].write(out, "", "", "")
        else:
            out.append(newl)
            for node in children:
                node.write(out, indent + addindent, addindent, newl)
            out.append(indent)
        out.append(f"</{self.tagName}>{newl}")


class _Document:
    """The part of a minidom Document that reportlab's SVG canvas uses."""

    def __init__(self, doctype, root: _Element):
        self.doctype, self.documentElement = doctype, root

    def createElement(self, tag: str) -> _Element:  # noqa: N802
        return _Element(tag)

    def createTextNode(self, data: str) -> _Text:  # noqa: N802
        return _Text(data)

    def createComment(self, data: str) -> _Text:  # noqa: N802 - made by the canvas, never appended
        return _Text(data)

    def writexml(self, writer, indent="", addindent="", newl="", encoding=None) -> None:
        declaration = f'encoding="{encoding}"' if encoding else ""
        out = [f'<?xml version="1.0" {declaration}?>{newl}']
        d = self.doctype
        out.append(f"<!DOCTYPE {d.name}{newl}  PUBLIC '{d.publicId}'{newl}  '{d.systemId}'>{newl}")
        self.documentElement.write(out, indent, addindent, newl)
        writer.write("".join(out))


def _light(node, made: dict) -> _Element | _Text:
    """A copy of a minidom node (the canvas's few starting nodes) as a light one."""
    if node.nodeType == node.TEXT_NODE:
        return _Text(node.data)
    element = _Element(node.tagName)
    for name, value in node.attributes.items():
        element.attributes[name] = value
    element.childNodes = [_light(child, made) for child in node.childNodes]
    made[id(node)] = element
    return element


class KeyedCanvas(renderSVG.SVGCanvas):
    """reportlab's SVG canvas, drawing as the charts' keys say, in whatever font the SVG is shown.

    - A straight line is an open path (``M … L …``): reportlab closes it (``M … L … Z``), which
      draws it back over itself, so a dashed line's gaps are filled and it looks solid.
    - Text anchored at its end or middle (axis labels, centred titles) says so (``text-anchor``):
      reportlab shifts it by its width in Helvetica, so in the PDF's wider font the last digit of
      a y-axis label ran under the axis ("80" read "8").
    """

    def line(self, x1, y1, x2, y2):  # noqa: D102 - reportlab's name
        if self._strokeColor is not None:
            path = renderSVG.transformNode(self.doc, "path", d=f"M {self.cfp_str(x1, y1)} L {self.cfp_str(x2, y2)}",
                                           style=self._formatStyle(renderSVG.LINE_STYLES))  # fmt: skip
            self.currGroup.appendChild(path)

    def drawString(self, s, x, y, angle=0, link_info=None, text_anchor="left", **kwargs):  # noqa: N802, D102
        if text_anchor in ("end", "middle"):
            kwargs = {**kwargs, "text-anchor": text_anchor}
            text_anchor = "start"
        super().drawString(s, x, y, angle, link_info, text_anchor, **kwargs)


class _Canvas(KeyedCanvas):
    """:class:`KeyedCanvas` on a light document once its starting nodes are made."""

    def __init__(self, size):
        super().__init__(size)
        made: dict[int, _Element] = {}
        doc = _Document(self.doc.doctype, _light(self.doc.documentElement, made))
        self.doc, self.svg = doc, doc.documentElement
        self.groupTree = self.currGroup = made[id(self.groupTree)]
        if hasattr(self, "scaleTree"):
            self.scaleTree = made[id(self.scaleTree)]


def drawing_svg(drawing: Drawing) -> str:
    """The drawing as an SVG document: what ``renderSVG.drawToString(drawing)`` returns, faster."""
    drawing = renderScaledDrawing(drawing)
    canvas = _Canvas((drawing.width, drawing.height))
    renderSVG.draw(drawing, canvas, 0, 0)
    out = StringIO()
    canvas.save(out)
    return out.getvalue()
