"""Residents who take part: volunteers and their hours, activities and
festivals with sign-ups, the policy column, contact cards. Each part keeps its
models in its own package."""

from jiayuan.engage.activities.models import (  # noqa: F401
    Activity,
    ActivitySession,
    SessionVolunteer,
    SignUp,
)
from jiayuan.engage.cards.models import CardBatch, CardBatchLine, CardLink  # noqa: F401
from jiayuan.engage.column.models import Post, PostVersion, ReviewReminder  # noqa: F401
from jiayuan.engage.volunteers.models import (  # noqa: F401
    Certificate,
    HoursClaim,
    HoursEntry,
    LiaisonArea,
    Volunteer,
    VolunteerRoleAssignment,
)
