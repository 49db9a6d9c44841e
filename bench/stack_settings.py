"""The project's settings with bench/stack_urls.py in front of its URLs (the stack's own cost)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.stack_urls"
