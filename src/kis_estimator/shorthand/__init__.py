"""빠른 입력: Korean shorthand as estimators write it on the phone, read into the request JSON.

`words` splits a text into words with their positions (`lex`); `grammar` assembles the request from
them (`parse`). Both are pure: no I/O, no catalog lookups beyond the accessory models handed in. The
use case that also runs the request through the engine's gates is `services/quick_entry.py`; the
grammar is documented in docs/shorthand.md.
"""

from kis_estimator.shorthand.grammar import Parsed, Problem, parse
from kis_estimator.shorthand.words import Word, lex

__all__ = ["Parsed", "Problem", "Word", "lex", "parse"]
