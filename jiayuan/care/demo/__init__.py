"""Demo data of the visits app: a year of visits, must-visit duties, disputes and
pairings per demo community (``year``), the engine replayed over it
(``simulate``) and the notes staff write (``texts``)."""
