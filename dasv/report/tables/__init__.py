"""The county report's tables, one module per table: what each row and column holds, its notes and source.

- ``headline.py``: the headline figures (the quarter, its 95% interval, the last quarter, change, variation);
- ``idva.py``: the three IDVA referral tables (total, by area, by specialism);
- ``other_data.py``: MARAC, police and demographic figures, one column per quarter;
- ``police.py``: police DA incidents and crimes by district, and the police cells other tables print;
- ``safelives.py``: the SafeLives-style MARAC figures for the rolling twelve months;
- ``shared.py``: the sources' words, quarter headings and notes the tables share.

The report put together from them is ``dasv/report/build.py``; how a table is drawn (PDF, HTML,
spreadsheet, CSV, text) is ``report_templates/``.
"""
