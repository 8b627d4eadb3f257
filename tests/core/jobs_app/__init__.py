"""A stand-in app for tests/core/test_scheduler.py: it contributes a scheduled
job the way the real apps do, from its own `jobs.py`."""
