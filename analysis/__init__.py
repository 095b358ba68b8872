"""Process graphs, redesign measures and simulation (Qt-free)."""
