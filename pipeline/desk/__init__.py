"""The desk mapping beside the survey: initiatives compiled by an analyst from documents
and websites (the 2017 system-wide e-waste report drew mostly on one), merged with the
projects the entities report themselves.

- :mod:`pipeline.desk.columns`: the template's columns, derived from the survey definition;
- :mod:`pipeline.desk.template`: ``emg-pipeline form SURVEY --desk`` writes the documented
  template (.xlsx: an Initiatives sheet, instructions, lists, a hidden key);
- :mod:`pipeline.desk.read`: a filled copy dropped into the round folder is recognised,
  read and checked cell by cell;
- :mod:`pipeline.desk.merge`: desk rows join the survey's projects, near-duplicates (same
  entity, similar title) matched and listed; every project carries its ``source``.
"""
