"""Reviewers' comments on a draft report, gathered into a comment/response table.

:func:`~pipeline.comments.read.read_reviewed_copy` reads the comments and tracked changes
of one reviewed .docx (Word or LibreOffice); :func:`~pipeline.comments.table.merge_comments`
attributes them to entities and merges them with the table the analyst is already
answering; :mod:`pipeline.comments.write` writes ``comments.xlsx`` and ``comments.docx``.
"""
