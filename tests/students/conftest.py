"""The session's SmolLM2 model and tuning (``tests/smollm.py``) for the student tests."""

from smollm import smollm_base, smollm_tuning

__all__ = ["smollm_base", "smollm_tuning"]
