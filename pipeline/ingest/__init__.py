"""Reading a round's exports: :func:`pipeline.ingest.round_reader.read_round` walks the
round's folder and reads each file with the reader its layout calls for (KoboToolbox,
ODK Central, the offline questionnaire); the modules here are the readers and their checks."""
