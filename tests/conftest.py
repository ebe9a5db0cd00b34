import os
import sys
from pathlib import Path

import pytest

# tests/reference.py is imported by name from the tests.
sys.path.insert(0, str(Path(__file__).parent))

# Hypothesis profiles (see TESTING.md): "ci", the default, keeps the whole
# suite fast; "fuzz" runs many more examples and the tests marked `fuzz`
# (skipped otherwise). FASTRNN_HYPOTHESIS_PROFILE picks one; `pytest -m fuzz`
# picks "fuzz" unless the variable says otherwise.
PROFILES = ("ci", "fuzz")   # test_fuzz.py runs 50x its CI example counts under "fuzz"

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the property tests import hypothesis themselves
    settings = None
else:
    settings.register_profile("ci", deadline=None, print_blob=True)
    settings.register_profile(
        "fuzz", deadline=None, print_blob=True, max_examples=5000,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "fuzz: long fuzzing runs; skipped unless selected with -m fuzz")
    config.addinivalue_line(
        "markers", "leak: repeats calls many times and watches the RSS (runs in CI, ~10 s)")
    profile = os.environ.get("FASTRNN_HYPOTHESIS_PROFILE")
    if profile is None:
        profile = "fuzz" if "fuzz" in (config.option.markexpr or "").replace("not fuzz", "") else "ci"
    if profile not in PROFILES:
        raise pytest.UsageError(
            f"FASTRNN_HYPOTHESIS_PROFILE={profile!r}: expected one of {sorted(PROFILES)}")
    os.environ["FASTRNN_HYPOTHESIS_PROFILE"] = profile
    if settings is not None:
        settings.load_profile(profile)


def pytest_collection_modifyitems(config, items):
    selected = "fuzz" in (config.option.markexpr or "").replace("not fuzz", "")
    if selected or os.environ["FASTRNN_HYPOTHESIS_PROFILE"] == "fuzz":
        return
    skip = pytest.mark.skip(reason="long fuzzing run: select with -m fuzz")
    for item in items:
        if "fuzz" in item.keywords:
            item.add_marker(skip)

