"""The trial protocol (NCT05084677) declared as data, in one place.

Every number the software takes from the protocol or from our resolutions of its ambiguities
(``../shared/protocol/PROTOCOL.md``) lives in one module of this package, one per protocol
section, so that a protocol amendment is one diff. The modules are pure Python: no Django, no
database, no clock; the ``rules/`` packages of the apps read their defaults from here.
"""
