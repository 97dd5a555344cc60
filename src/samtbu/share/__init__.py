"""Sharing: the right result to the right service, for a stated purpose, and nothing more.

>>> from samtbu.share import share
>>> view = share("examples/vitnemaal-studiespesialisering.json", "opptak-hoeyere-utdanning",
...              "opptak-hoeyere-utdanning", now=datetime(2026, 7, 1, tzinfo=timezone.utc))
>>> view.json(), view.jsonld(), view.graph, view.disclosure

Policies are data (``policies/*.ttl``); each has a closed SHACL profile generated from it
(``samtbu.share.profiles``) that every view is checked against before it is handed out.
"""

from samtbu.share.policies import Policy, PolicySet, Scope, load_policies, parse_policies
from samtbu.share.profiles import build_profile, check_view, profile_iri
from samtbu.share.table import policy_table
from samtbu.share.view import ShareRefused, View, append_log, read_log, share

__all__ = [
    "share", "View", "ShareRefused", "Policy", "PolicySet", "Scope", "load_policies", "parse_policies",
    "build_profile", "check_view", "profile_iri", "policy_table", "append_log", "read_log",
]
