"""Performance benchmark of the pipeline at survey-system scale (``make bench``, issue 6).

:mod:`benchmarks.generate` writes deterministic KoboToolbox exports of the e-waste survey
with N submissions; :mod:`benchmarks.measure` times one measurement (in a subprocess of its
own, for a true peak memory); :mod:`benchmarks.run` runs them all and writes
``docs/performance.md``.
"""
