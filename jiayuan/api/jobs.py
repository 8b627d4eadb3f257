"""The API's scheduled jobs (jiayuan.core.scheduler): `webhooks` sends the
webhook outbox (jiayuan.api.webhooks.delivery)."""

from jiayuan.api.webhooks.delivery import step_webhooks
from jiayuan.core import scheduler

scheduler.register("webhooks", order=88)(step_webhooks)
