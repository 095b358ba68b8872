"""Cells of the survey template that messages about a procedure's flow point to.

A leaf, so that ``analysis.graph`` can name the cell of a flow problem (工程!J12) without
importing the survey reader. The letters are those of the 工程 sheet as the template lays
it out (``bpr_studio.io.survey_format.STEPS``); tests/test_layers.py checks they agree.
"""

from __future__ import annotations

STEP_NO_COLUMN = "B"      # 工程番号
NEXT_STEPS_COLUMN = "J"   # 次工程
