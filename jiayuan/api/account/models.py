"""Request counts per token (or per signed-in account) per minute, for the
API's rate limit (jiayuan.api.throttling). Kept in the database so every app
server counts the same requests; rows older than a few minutes are pruned as
new minutes begin."""

from __future__ import annotations

from django.db import models


class ApiRateCount(models.Model):
    # "t:<token id>" or "u:<user id>"
    key = models.CharField(max_length=40)
    # The minute counted: epoch seconds // 60.
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "minute"],
                                               name="api_rate_one_row_per_key_minute")]
        indexes = [models.Index(fields=["minute"], name="api_rate_minute")]

    def __str__(self) -> str:
        return f"{self.key}@{self.minute}: {self.count}"
