"""Identity: accounts, passwords, tokens.

python-jose (used by ``tokens.py`` only) depends on the ``ecdsa`` package, which it uses only
when ``cryptography`` is missing; ``ecdsa`` has an unfixed timing side channel
(CVE-2024-23342) and must never run here. Importing this package (as ``tokens.py`` is
imported) makes ``import ecdsa`` fail in the whole process, so python-jose cannot fall back to
it: without its cryptography backend the app fails to start rather than sign with ``ecdsa``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

REFUSED_PACKAGES = frozenset({"ecdsa"})


class RefuseUnusedCrypto(MetaPathFinder):
    """Refuses to import the packages in :data:`REFUSED_PACKAGES` (and their submodules)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in REFUSED_PACKAGES:
            raise ImportError(
                f"{fullname} is refused: tokens are signed with the cryptography package only",
                name=fullname,
            )
        return None


def _refuse_unused_crypto() -> None:
    if not any(isinstance(finder, RefuseUnusedCrypto) for finder in sys.meta_path):
        sys.meta_path.insert(0, RefuseUnusedCrypto())
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in REFUSED_PACKAGES)
    if loaded:
        raise ImportError(f"refused packages already imported: {', '.join(loaded)}")


_refuse_unused_crypto()
