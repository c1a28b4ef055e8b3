"""lablib: the helper library every lab imports.

The public API is deliberately small and pinned by ``tests/test_public_api.py``.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
