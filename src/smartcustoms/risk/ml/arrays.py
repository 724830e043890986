"""The array type used in signatures of the fraud-model modules."""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

Array = npt.NDArray[Any]
