"""Test-side emulator of the Azure endpoints the live collector uses (Entra ID, ARG, ARM, Graph).

``AzureEmulator(snapshot, EmulatorConfig(...))`` serves a snapshot document over HTTPS on
127.0.0.1 so that the real azure-identity credential and the real SDK clients can be tested
without a tenant. See ``server.py`` for the endpoints and the failure modes it can emulate.
"""

from tests.emulator.certs import CertificatePaths, make_certificates
from tests.emulator.clock import FakeClock
from tests.emulator.faults import FAULT_KINDS, ITEM_FAULTS, Fault
from tests.emulator.server import AzureEmulator, EmulatorConfig, RequestRecord

__all__ = [
    "FAULT_KINDS",
    "ITEM_FAULTS",
    "AzureEmulator",
    "CertificatePaths",
    "EmulatorConfig",
    "FakeClock",
    "Fault",
    "RequestRecord",
    "make_certificates",
]
