import datetime as dt

import pytest
from django.core.management import call_command


@pytest.fixture
def corpus():
    """A small generated corpus, its dates relative to 1 June 2026."""
    call_command("generate_corpus", claims=150, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
