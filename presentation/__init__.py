"""How results look to people, shared by the command line, the web page and the HTML report.

:mod:`presentation.formats` (numbers, CIs, dates and plurals for people), :mod:`presentation.charts`
(Altair charts, band colours by rank), :mod:`presentation.report` (the one-file HTML report). No
Streamlit here, so scripts can use all of it.
"""
