"""Sections that higher apps add to a case's page (the registry's panels,
for the desk's own page): civic lists the meeting decisions a case carries
out. Registered in each app's AppConfig.ready()."""

from jiayuan.registry.panels import Panel

case = Panel("case")
