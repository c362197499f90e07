"""The mappings shipped with biokg (``loaders/mappings/*.toml``) and finding a mapping by name or path."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from loaders.mapping.spec import MappingSpec, parse_mapping
from ontology import NotFound


@dataclass(frozen=True)
class MappingFile:
    name: str  # how it is given on the command line: a shipped name, or the path
    path: str  # where its text comes from (shown in messages and provenance)
    text: str


def shipped() -> dict[str, MappingFile]:
    """name -> mapping file, for every mapping in the package."""
    folder = resources.files("loaders") / "mappings"
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            name = entry.name.removesuffix(".toml")
            out[name] = MappingFile(name, f"loaders/mappings/{entry.name}", entry.read_text(encoding="utf-8"))
    return out


def find_mapping(name_or_path: str) -> MappingFile:
    """A mapping file by path, or a shipped mapping by name (``cn-listed-companies``)."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise NotFound(f"no mapping file {name_or_path!r}")
        return MappingFile(str(path), str(path), path.read_text(encoding="utf-8"))
    found = shipped().get(name_or_path)
    if found is None:
        raise NotFound(f"no mapping {name_or_path!r}: give a .toml file or one of {', '.join(shipped())}")
    return found


def load_spec(name_or_path: str, params: dict[str, str] | None = None) -> tuple[MappingFile, MappingSpec]:
    file = find_mapping(name_or_path)
    return file, parse_mapping(file.text, file.path, params)
