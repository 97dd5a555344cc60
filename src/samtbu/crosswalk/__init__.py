"""Crosswalks between the samtbu model and other formats (EMREX ELMO, ...).

Each format has its own module (``samtbu.crosswalk.elmo``, ...); the mapping itself is data, an SSSOM
set in the repository's ``crosswalks/`` folder, which the module reads.
"""
