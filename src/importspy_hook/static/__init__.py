"""Contracts checked from the source, without importing or running it.

- :mod:`.facts` reads one module's source with :mod:`ast` into plain facts: what the module
  defines (variables, functions, classes with their members) and every import statement;
- :mod:`.factscache` keeps those facts per file, so that a second run parses nothing unchanged;
- :mod:`.members` checks ``importers.require`` and ``provides`` against facts, with the rule ids
  and wording of the run-time structure checks;
- :mod:`.edges` collects every import edge of a source tree (grimp's compiled graph for
  packages, the facts for loose files);
- :mod:`.checker` applies every contract's ``importers`` to every edge into its module, and its
  ``provides`` to the module's source: ``importspy-hook check --static``.

Nothing here is imported at start-up or on the enforcement path of a passing import.
"""
