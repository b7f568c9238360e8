"""emg-pipeline: survey and gap-analysis pipeline of the UN Environment Management Group.

The stages of a run are plain functions you can call one by one from a notebook::

    from pipeline import load_survey, load_registry
    from pipeline.run import run_round

See ``pipeline.run`` for the whole flow: ingest -> validate -> normalise -> score ->
analyse -> write.
"""

from importlib.metadata import PackageNotFoundError, version

from pipeline.registry import Registry, load_registry
from pipeline.spec import Survey, load_survey

try:
    __version__ = version("emg-pipeline")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["Registry", "Survey", "__version__", "load_registry", "load_survey"]
