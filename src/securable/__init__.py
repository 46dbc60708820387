"""securable: build, prove and run securable IoT devices.

The package has four halves (see the project's design notes):

* :mod:`securable.catalog` — requirements as data, crosswalks, profiles, OSCAL export;
* :mod:`securable.device` — the reference device library;
* :mod:`securable.assess` — targets, checks, verdicts and reports;
* :mod:`securable.portal` — the manufacturer's post-market web service.

Import from those modules; this top level only carries the version and the error tree.
"""

from securable.errors import SecurableError, UsageError

__version__ = "0.1.0"

__all__ = ["SecurableError", "UsageError", "__version__"]
