"""From a model's raw output to the program that runs, shared by rewards, evaluation and problems.

``sanitize`` (evalplus-style cleaning, stop sequences) <- ``extraction`` (chat messages, fences,
the block defining the entry point) <- ``assemble`` (the code joined to the prompt, sanitised).
Pure text: imports only ``codetune.languages``.
"""
