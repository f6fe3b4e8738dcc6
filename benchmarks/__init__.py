"""Reproducible performance runs; each figure sits next to a baseline measured in the same run."""
