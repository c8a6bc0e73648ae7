"""Credential status: W3C Bitstring Status List and the 1EdTech Revocation List."""

from . import bitstring_status_list, revocation_list_1edtech
from .bitstring_status_list import BitstringStatusList, allocate_index

__all__ = [
    "BitstringStatusList",
    "allocate_index",
    "bitstring_status_list",
    "revocation_list_1edtech",
]
