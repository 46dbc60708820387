"""The demo product: a smart thermostat in a *secure* build (made only from the public API of
:mod:`securable.device`) and a *legacy* build with the classic flaws, their firmware image
builder, and :func:`run_demo`, which builds, starts, assesses and compares both
(``securable demo``).
"""

from __future__ import annotations

from securable.demo.run import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
