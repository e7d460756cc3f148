"""Renderers: one module per output (pdf, html, xlsx, csv, json), charts and plots shared by PDF and HTML.

reportlab checks every attribute set on a chart shape against its type (``rl_config.shapeChecking``,
on by default "while developing"). Our charts set the same attributes on every render, and the
tests draw every one of them; checking costs ~25 ms a slice, so it is off before any shape is made.
"""

from reportlab import rl_config

rl_config.shapeChecking = 0
