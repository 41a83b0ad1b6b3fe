"""The stored model versions with their figures, and which one is active."""

import json
from pathlib import Path

from moderation.training import activate, active_model_folder


def list_versions(root: Path) -> list[dict]:
    """Every stored version, newest first, with its metadata."""
    active = active_model_folder(root)
    found = []
    for folder in sorted(root.glob("*/meta.json"), reverse=True):
        meta = json.loads(folder.read_text())
        found.append({"name": folder.parent.name, "active": folder.parent == active, "meta": meta})
    return found


def make_active(root: Path, name: str) -> Path:
    """Activate a stored version by its folder name."""
    folder = root / name
    if "/" in name or name.startswith(".") or not (folder / "model.joblib").exists():
        raise FileNotFoundError(f"no model version {name!r}")
    activate(folder)
    return folder
