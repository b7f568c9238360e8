"""emg-pipeline: survey and gap-analysis pipeline of the UN Environment Management Group.

The stages of a run are plain functions you can call one by one from a notebook::

    from pipeline import load_survey, load_registry
    from pipeline.run import run_round

See ``pipeline.run`` for the whole flow: ingest -> validate -> normalise -> score ->
analyse -> write.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.registry import Registry, load_registry
    from pipeline.spec import Survey, load_survey

# loaded on first use, so that the command starts (and answers Ctrl-C) before pandas loads
_LAZY = {
    "Registry": "pipeline.registry",
    "load_registry": "pipeline.registry",
    "Survey": "pipeline.spec",
    "load_survey": "pipeline.spec",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("emg-pipeline")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


__all__ = ["Registry", "Survey", "__version__", "load_registry", "load_survey"]
