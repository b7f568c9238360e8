"""Writers of a run's outputs: charts, the results workbook and the Word report."""
