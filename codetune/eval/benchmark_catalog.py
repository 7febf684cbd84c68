"""Every benchmark ``--benchmark`` accepts: the built-ins (imported here, so they register) and
plug-ins named ``package.module:function``. Look benchmarks up here, never in the registry."""

from __future__ import annotations

import difflib
from typing import Any

from codetune.errors import CodetuneError
from codetune.eval import builtin_benchmarks, evalplus, multilang
from codetune.eval.benchmark_registry import Loader, Task, registered
from codetune.plugins import import_object, is_plugin_name

BUILTIN_MODULES = (builtin_benchmarks, evalplus, multilang)  # they register on import


def benchmark_names() -> list[str]:
    return sorted(registered())


def get_benchmark(name: str) -> Loader:
    """The loader registered as ``name``, or the function named by ``package.module:function``."""
    loaders = registered()
    if name in loaders:
        return loaders[name]
    if is_plugin_name(name):
        loader = import_object(name, "benchmark")
        if not callable(loader):
            raise CodetuneError(f"benchmark {name!r}: {name.partition(':')[2]!r} is not a function")
        return loader
    near = difflib.get_close_matches(name, list(loaders), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise CodetuneError(f"unknown benchmark {name!r}{hint} (known: {', '.join(sorted(loaders))};"
                        " or give package.module:function)")


def load_tasks(name: str, options: dict[str, Any] | None = None) -> list[Task]:
    """Load the tasks of benchmark ``name``; ``limit`` in options keeps the first N."""
    options = dict(options or {})
    limit = options.pop("limit", None)
    tasks = list(get_benchmark(name)(options))
    if not tasks:
        raise CodetuneError(f"benchmark {name!r} has no tasks")
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise CodetuneError(f"benchmark {name!r}: task id {dup!r} appears more than once")
    return tasks[:limit] if limit else tasks
