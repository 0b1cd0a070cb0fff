"""The reading side: contract files (YAML and ImportSpy's), the model, structuring, settings,
the compiled cache and the contracts installed distributions ship. Never on the path of a
warm start or a passing import."""
