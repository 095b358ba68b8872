"""The five costs and the online-readiness level (Qt-free)."""
