"""Who may reach patients' contact data: care staff see it all, marketing only names and opt-ins."""

from typing import Annotated

from fastapi import Depends

from app.accounts.models import Role, User
from app.deps import require_roles

# Admins (the front desk) and verified clinicians: numbers, appointments, replies.
CareStaff = Annotated[
    User, Depends(require_roles(Role.admin, Role.clinician, verified_clinician=True))
]
# The above plus marketing, who see a contact only as a name and its opt-ins.
ContactViewer = Annotated[
    User,
    Depends(require_roles(Role.admin, Role.marketing, Role.clinician, verified_clinician=True)),
]
