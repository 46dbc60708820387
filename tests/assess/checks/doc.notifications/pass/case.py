"""Open this case's product.yaml and the documents it lists as the documents target."""

from pathlib import Path

from tests.assess.checks._fixtures import Case

from securable.assess.model import TargetKind
from securable.assess.targets import Declaration
from securable.assess.targets.documents import Documents


def build(tmp: Path) -> Case:
    here = Path(__file__).parent
    decl = Declaration.load(here / "product.yaml")
    return Case(Documents.from_declaration(decl), {TargetKind.DECLARATION: decl})
