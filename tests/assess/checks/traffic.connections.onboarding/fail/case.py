from pathlib import Path

from tests.assess._traffic import case, declaration, seen
from tests.assess.checks._fixtures import Case


def build(tmp: Path) -> Case:
    return case(
        seen("198.18.0.1", 8883, "mqtt"), decl=declaration(protection="tls", authentication="password")
    )
