"""The ``pyfunc`` task family: small Python function tasks with unit tests, generated from
templates split three ways (SFT templates, RL-only templates, held-out templates)."""

from codetune.data.pyfunc.build import PARTS, TaskFamilyConfig, build_task_family, load_part
from codetune.data.pyfunc.catalog import TEMPLATES, templates_for
from codetune.data.pyfunc.family import generate_tasks, self_check
from codetune.data.pyfunc.template import SPLITS, Task, Template

__all__ = ["PARTS", "SPLITS", "TEMPLATES", "Task", "TaskFamilyConfig", "Template",
           "build_task_family", "generate_tasks", "load_part", "self_check", "templates_for"]
