"""Mesh policies: the rule registry, configuration (policies.yml), evaluation, baselines, catalog."""
