"""The differential suite: the same scripted requests to the simulator and to a real API server."""
