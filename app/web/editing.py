"""The traffic editor's routes (a later task): sliders posting a conditional merge patch of
spec.traffic. Its markup goes into the `editor` slot of the Service page (templates/service.html)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["traffic"])
