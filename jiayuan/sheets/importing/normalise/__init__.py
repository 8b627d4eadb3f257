"""Clean one roster cell per field kind: pure functions, no database.

Each function takes a ``Cell`` as python-calamine or the csv reader yields it and
returns the clean value, or raises ``CellError`` whose ``message`` (lazy,
translatable) names what is wrong, the value seen and what to write instead.

Blank cells (``None``, empty or whitespace only, and the placeholders people type
for "nothing": ``-`` ``—`` ``/`` ``无`` ``暂无`` ``N/A``) give the function's empty
value (``""``, ``None`` or ``("", "", "")``) and never an error: whether a field is
required is the caller's business. A cell that is not blank is never silently
emptied: if nothing usable is left it is an error. A cell showing a spreadsheet
error (``#REF!``, ``#N/A``…) is an error in every function.

One module per kind of field: ``text`` (shared cleaning, names, sex), ``dates``,
``identifiers`` (ID-card and phone numbers), ``codes`` (ethnic group, relation,
residency), ``origin`` and ``places`` (building, unit, room, address). A field's
column names its function here (``jiayuan.sheets.columns.FIELDS[...].kind``).
"""

from jiayuan.sheets.importing.normalise.codes import ethnicity, relation, residency
from jiayuan.sheets.importing.normalise.dates import day
from jiayuan.sheets.importing.normalise.identifiers import id_number, phone
from jiayuan.sheets.importing.normalise.origin import origin
from jiayuan.sheets.importing.normalise.places import address, place_part
from jiayuan.sheets.importing.normalise.text import Cell, CellError, name, sex, text, width

__all__ = [
    "Cell", "CellError", "address", "day", "ethnicity", "id_number", "name", "origin",
    "phone", "place_part", "relation", "residency", "sex", "text", "width",
]  # fmt: skip
