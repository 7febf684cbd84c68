"""Policy optimisation with rewards from running the code: TRL GRPO/RLOO on prompts with tests,
DPO on pairs mined by execution (``codetune rl``)."""
