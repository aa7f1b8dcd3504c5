"""Display names of the Azure Policy built-in definitions the rule pack maps to.

A rule's ``frameworks.azure_policy`` lists definition names (GUIDs), which is what Azure
assigns and what an auditor can look up; people read the display name. The names are those of
the definitions in Microsoft's repository of built-ins (github.com/Azure/azure-policy, MIT,
``built-in-policies/policyDefinitions``, as of commit f4a50bacae07ddb096943c597669bcae494a6e29):
the Container Registry category, the Defender plans and assessments for registries, and the
general definitions a rule maps to. A test checks that every GUID in the pack is listed here.
"""

from __future__ import annotations

from types import MappingProxyType

#: Built-in definition name (GUID) → its display name.
DISPLAY_NAMES = MappingProxyType(
    {
        # Container Registry
        "0fdf0491-d080-4575-b627-ad0e843cba0f": "Public network access should be disabled for Container registries",
        "42781ec6-6127-4c30-bdfa-fb423a0047d3": (
            "Container registries should have ARM audience token authentication disabled."
        ),
        "524b0254-c285-4903-bee6-bb8126cde579": "Container registries should have exports disabled",
        "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580": "Container registries should be encrypted with a customer-managed key",
        "785596ed-054f-41bc-aaec-7f3d0ba05725": (
            "Configure container registries to disable ARM audience token authentication."
        ),
        "79fdfe03-ffcb-4e55-b4d0-b925b8241759": "Configure container registries to disable local admin account.",
        "84497762-32b6-4ab3-80b6-732ea48b85a2": "Container registries should prevent cache rule creation",
        "9f2dea28-e834-476c-99c5-3507b4728395": "Container registries should have anonymous authentication disabled.",
        "a3701552-92ea-433e-9d17-33b7f1208fc9": "Configure Container registries to disable public network access",
        "a9b426fe-8856-4945-8600-18c5dd1cca2a": (
            "Configure container registries to disable repository scoped access token."
        ),
        "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13": "Container registries should have SKUs that support Private Links",
        "cced2946-b08a-44fe-9fd9-e4ed8a779897": "Configure container registries to disable anonymous authentication.",
        "d0793b48-0edc-4296-a390-4c75d1bdfd71": "Container registries should not allow unrestricted network access",
        "d85c6833-7d33-4cf5-a915-aaa2de84405f": "Configure Container registries with private endpoints",
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2": "Container registries should have local admin account disabled.",
        "e8eef0a8-67cf-4eb4-9386-14b0e78733d4": "Container registries should use private link",
        "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32": "Configure Container registries to use private DNS zones",
        "ff05e24e-195c-447e-b322-5e90c9f9f366": (
            "Container registries should have repository scoped access token disabled."
        ),
        # Mission (Sovereign landing zone)
        "696cb1d3-2dcf-4b44-aa7a-caccd18b1b96": "Container Registry should restrict external private endpoints.",
        # Security Center (Microsoft Defender for Cloud)
        "090c7b07-b4ed-4561-ad20-e9075f3ccaff": (
            "Azure registry container images should have vulnerabilities resolved "
            "(powered by Microsoft Defender Vulnerability Management)"
        ),
        "1c988dd6-ade4-430f-a608-2a3e5b0a6d38": "Microsoft Defender for Containers should be enabled",
        # Monitoring
        "56288eb2-4350-461d-9ece-2bb242269dce": (
            "Enable logging by category group for Container registries "
            "(microsoft.containerregistry/registries) to Log Analytics"
        ),
        # General
        "e56962a6-4747-49cd-b67b-bf8b01975c4c": "Allowed locations",
    }
)


def display_name(definition: str) -> str | None:
    """The display name of built-in definition ``definition`` (its GUID, any case), if listed."""
    return DISPLAY_NAMES.get(definition.lower())
