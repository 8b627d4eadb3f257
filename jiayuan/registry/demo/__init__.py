"""Invented, deterministic demo data for the station (``manage.py demo``).

* ``names`` and ``profiles``: the data (names, origins, jobs, shops, festivals);
* ``generator``: scales, shared state and the community builder (places);
* ``families``: households and people; ``extras``: circumstances, consents,
  businesses;
* ``loader``: bulk writes in one transaction, ``--reset``, the staff accounts;
* ``station``: the context civic's and engage's station years are written with.

Same scale and seed give the same residents. Dates are computed from
``generator.REFERENCE_DATE`` (2026-11-01) except a handful of residence permits
per community, which expire 1-30 days after the demo's today (``manage.py demo
--today``, by default the real date of the load; the people and offsets are
drawn from the seed, only the base date moves). The desk's and the visits'
year ends the evening before that today, which is never before REFERENCE_DATE.
Ciphertexts of ID and phone numbers differ between loads (Fernet uses a
random IV and a timestamp); what they decrypt to does not.
"""
