"""Analyses of policy-gradient estimators: ``python -m sb3_pg.analysis variance --env CartPole-v1``."""
