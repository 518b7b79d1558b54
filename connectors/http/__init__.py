"""Connectors over an agency's own HTTP API (``hub agency serve``), chosen by ``HUB_<AGENCY>_API``.

Generic over the registered agencies: the endpoints, their bodies and answers are read off each
agency's connector interface (its abstract connector class and record dataclasses), so an agency
package needs no HTTP code of its own.
"""
