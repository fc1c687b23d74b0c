"""Importers: vendor status feeds become rows of the incident schema.

* :mod:`~incidents.data.importers.statuspage`, :mod:`~incidents.data.importers.msgraph` and
  :mod:`~incidents.data.importers.gcloud` are pure parsers: a feed's parsed JSON in, rows (dicts of
  the schema's columns as strings) and findings (mappings used, warnings, dropped items) out;
* :mod:`~incidents.data.importers.mapping` holds every mapping of vendor terms onto the schema;
* :mod:`~incidents.data.importers.merge` merges rows into ``incidents.csv`` without overwriting
  curated cells, atomically and only after validation;
* :mod:`~incidents.import_command` adds the ``import`` and ``fetch`` commands to the CLI;
  :mod:`~incidents.data.importers.fetch` downloads a Statuspage feed and
  :mod:`~incidents.data.importers.feedjson` reads JSON keeping line numbers for error messages.
"""
