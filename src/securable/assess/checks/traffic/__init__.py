"""Traffic checks: what a component was seen connecting to, against the declared connections.

Their target is an :class:`~securable.assess.observe.ObservedTraffic` (one watched component);
the declaration comes from the run's context. See :mod:`securable.assess.observe` for how the
traffic is watched and what that method cannot see.
"""
