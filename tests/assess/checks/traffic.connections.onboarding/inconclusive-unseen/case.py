from pathlib import Path

from tests.assess._traffic import case, seen
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return case(seen("198.18.0.9", 80, "http"))
