"""Declaration checks: is the manufacturer's ``product.yaml`` complete and consistent?

These are the "conceptual" test cases of ETSI TS 103 701 turned into code: they fail where the
declaration itself falls short (no support period, no disclosure contact, a not-applicable claim
without justification) and hand a person the evidence links for items only a person can judge
(``manual``). They never fetch a URL: the assessment stays offline.
"""
