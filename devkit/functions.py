"""The two functions of template.yaml by architecture, as the dev tools name them.

The compare tool owns the spelling (it defaults to these IDs for a local endpoint); the dev
tools read it here.
"""

from __future__ import annotations

from lambda_compare.targets import ARM64, FUNCTION_IDS, X86_64

ARM64_FUNCTION = FUNCTION_IDS[ARM64]
X86_64_FUNCTION = FUNCTION_IDS[X86_64]

__all__ = ["ARM64", "ARM64_FUNCTION", "FUNCTION_IDS", "X86_64", "X86_64_FUNCTION"]
