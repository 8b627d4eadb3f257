"""Deliberation that leads somewhere: meetings with attendance, minutes and
decisions; residents' suggestions (金点子); improvement projects on a wall
chart (挂图作战). Each part keeps its models in its own package."""

from jiayuan.civic.meetings.models import (  # noqa: F401
    AgendaItem,
    Decision,
    Meeting,
    MinutesVersion,
    Participant,
)
from jiayuan.civic.projects.models import Milestone, Project, ProjectUpdate  # noqa: F401
from jiayuan.civic.suggestions.models import (  # noqa: F401
    Suggestion,
    SuggestionChange,
    SuggestionStatus,
)
