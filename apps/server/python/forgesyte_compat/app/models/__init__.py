"""The result and metadata types ForgeSyte plugins build (`from app.models import AnalysisResult`). Plain
dataclasses here: the Bastion worker turns them into JSON like any dataclass."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional


@dataclasses.dataclass
class AnalysisResult:
    text: str = ""
    blocks: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    confidence: float = 0.0
    language: Optional[str] = None
    error: Optional[str] = None


@dataclasses.dataclass
class PluginMetadata:
    name: str
    description: str = ""
    version: str = "1.0.0"
    inputs: List[str] = dataclasses.field(default_factory=lambda: ["image"])
    outputs: List[str] = dataclasses.field(default_factory=lambda: ["json"])
    permissions: List[str] = dataclasses.field(default_factory=list)
    config_schema: Optional[Dict[str, Any]] = None


__all__ = ["AnalysisResult", "PluginMetadata"]
