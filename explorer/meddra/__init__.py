"""MedDRA as analysts use it, from the user's own licensed MSSO distribution (nothing of MedDRA ships here).

- ``ascii``: read and check the ASCII distribution (``MedAscii/*.asc``).
- ``importer``: import it into the store atomically and remap every reaction row to the current version's PTs.
- ``mapping``: the reported term -> PT map the store's build joins (empty without MedDRA).
- ``lookup``: the version, SMQs and the hierarchy resolved to PTs, primary SOCs, unmapped terms (on a connection).
- ``service``: the same for an open Store: event options, screening by SOC or HLT, the Overview's MedDRA section.

:func:`explorer.meddra.lookup.version_label` (or ``service.version_label`` on a Store) returns the version string
that every output depending on MedDRA must state.
"""
