"""Checks of a firmware image: each receives the run's :class:`~securable.assess.facts.FirmwareView`.

One module per check, one :class:`~securable.assess.check.FirmwareCheck` subclass per module; the
registry (:mod:`securable.assess.registry`) discovers them, and the catalog's
``check-evidence.yaml`` holds their citations and run order (``securable assess --list-checks``
prints the current set). Each check module's docstring says what it looks at; its class
docstring, ``remediation`` and fixtures (``tests/assess/checks/<check-id>/``) say the rest.

How a firmware check is written:

* **Facts, not re-reading.** What several checks need to know — accounts, boot entries, whether
  there is init configuration, the SSH server and its configuration, the package inventory, the
  secret scan — is a named fact of the view (:mod:`securable.assess.facts`), computed once per
  image. A check reads ``target.accounts``, ``target.ssh_server``, ``target.packages``,
  ``target.secret_hits`` …; anything a second check needs becomes a fact there.
* **applies() for "nothing to look at".** No accounts, no password hash, no SSH server, no regular
  file: :meth:`~securable.assess.check.Check.applies` returns a
  :class:`~securable.assess.check.NotApplicable` and ``run`` never sees that case. "Cannot tell"
  is different and stays ``inconclusive``: no init configuration (the boot-service checks derive
  from ``_daemons.BootServiceCheck``), no package metadata, no usable vulnerability records.
* **remediation** says what to change, with a short example and the requirement IDs it serves.

Modules with a leading underscore are shared machinery, not checks: ``_common`` (bounded reading,
the not-applicable reasons of the account checks), ``_crypt`` (crypt(3) verification through
libxcrypt), ``_daemons`` (matching boot entries against programs; the boot-service base class)
and ``_keys`` (private-key identification).
"""
