"""Checks of a firmware image (target: :class:`~securable.assess.targets.firmware.FirmwareImage`).

One module per check; the registry (:mod:`securable.assess.registry`) lists them. Modules with a
leading underscore are shared machinery: ``_accounts`` (passwd/shadow), ``_crypt`` (crypt(3)
verification through libxcrypt), ``_secret_scan`` (the one-pass secret scan), ``_boot`` (what
starts at boot), ``_keys`` (private-key identification) and ``_common`` (bounded reading, caches).

=====================================  ======================================================
check id                               module
=====================================  ======================================================
``fw.credentials.empty-password``      ``credentials_empty``
``fw.credentials.default-password``    ``credentials_default`` (``data/default_credentials.txt``)
``fw.credentials.weak-hash``           ``credentials_weak_hash``
``fw.secrets.private-keys``            ``secrets_private_keys``
``fw.secrets.ssh-host-keys``           ``secrets_ssh_host_keys``
``fw.secrets.credentials``             ``secrets_tokens``
``fw.services.remote-shell``           ``services_remote_shell``
``fw.services.debug``                  ``services_debug``
``fw.services.serial-console``         ``services_serial_console``
``fw.ssh.server-config``               ``ssh_server_config``
``fw.ssh.authorized-keys``             ``ssh_authorized_keys``
``fw.permissions.world-writable``      ``permissions_world_writable``
``fw.permissions.suid``                ``permissions_suid``
``fw.update.signature-verification``   ``update_integrity``
``fw.logging.security-log``            ``logging_security``
``fw.sbom.inventory``                  ``sbom_inventory`` (:mod:`securable.assess.sbom`)
``fw.sbom.known-vulnerabilities``      ``sbom_vulnerabilities`` (:mod:`securable.assess.vulndb`)
=====================================  ======================================================
"""
