"""Signed, verifiable credentials: the digital original of a document.

A record that validates against its profile is exported (Open Badges 3.0, or the European Digital
Credential form) and secured with a W3C Data Integrity proof, cryptosuite ``eddsa-rdfc-2022``
(RDFC-1.0, SHA-256, Ed25519); ``verify`` checks it offline. Modules:

- ``keys``: Ed25519 keys (multikey/multibase, JWK, PEM), ``did:key``, key files with mode 0600;
- ``contexts``: the JSON-LD contexts, from local copies whose SHA-256 is pinned (never fetched);
- ``canonical``: JSON-LD -> RDF -> RDFC-1.0 (pyoxigraph or pyld), with the undefined-term and
  poison-graph guards;
- ``dataintegrity``: the cryptosuite's proof creation and verification, with every intermediate;
- ``issue``: payload -> validated -> exported -> signed; ``batch``: many, on every core;
- ``status``: W3C Bitstring Status List v1.0; ``trust``: the local trust list of issuers;
- ``verify``: every check and one reason; ``cli``: ``samtbu keys|sign|verify|status``.

Needs the ``sign`` extra (``pip install samtbu[sign]``).
"""
