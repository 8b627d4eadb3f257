"""The service desk's starting catalogue and its demo data.

* ``catalogue``: the services, departments and partners a station starts with
  (``manage.py load_catalogue`` for a real station; the demo loads it too);
* ``cases``: a year of invented cases per demo community, written by the
  registry demo loader (``manage.py demo``) after each community's residents.
"""
