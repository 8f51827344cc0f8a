"""The demo tools: traffic probes, the explain view and the demo page with presenter mode."""
