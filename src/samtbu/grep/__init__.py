"""Grep reference data: Udir's registry of subjects, programmes and curricula, read offline.

``samtbu grep import`` reads Grep as Udir publishes it (reader.py) into a local snapshot
(store.py); validation, exports, the learner's overview and the site use that snapshot when one is
configured (config.py) and behave as without Grep otherwise. Nothing is fetched at run time.
"""
