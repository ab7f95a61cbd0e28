"""Tests of exports (JSON, ACLED-like CSV, GeoJSON) and of the gazetteer."""
