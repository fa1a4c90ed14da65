"""Call sites that `mypy --strict` must reject (`mistakes.py`) or accept (`correct.py`).

Not collected by pytest; `tests/test_typing.py` type-checks them and runs them.
"""
