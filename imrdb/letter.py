"""Plain data classes for one IMR final determination letter. No database here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reviewer:
    """An anonymous reviewer profile: board certifications plus licensure, in the letter's order."""

    specialties: tuple[str, ...] = ()
    licensure_states: tuple[str, ...] = ()

    @property
    def primary_specialty(self) -> str | None:
        return self.specialties[0] if self.specialties else None

    @property
    def profile_key(self) -> str:
        """A stable key for the profile: the same certifications and states give the same key."""
        return "|".join(self.specialties) + "#" + "|".join(self.licensure_states)


@dataclass
class Citation:
    """One guideline cited for a disputed item, by the claims administrator or by the IMR reviewer."""

    role: str  # "claims_administrator" | "imr_reviewer"
    source: str  # "MTUS" | "ACOEM" | "ODG" | "CCR" | "Other"
    text: str  # the citation as written
    guideline: str | None = None  # "Chronic Pain Medical Treatment Guidelines", "Low Back Complaints"
    year: int | None = None
    topic: str | None = None  # section or topic: "Carisoprodol", "Special Studies"
    pages: str | None = None  # as written: "63-66", "74-80; 113"


@dataclass
class DisputedItem:
    position: int  # 1-based, letter order
    description: str  # the item as the heading states it
    decision: str  # "Upheld" | "Overturned"
    rationale: str = ""
    medically_necessary: bool | None = None  # from the rationale's conclusion
    original_request: str | None = None  # for modified requests
    authorized_request: str | None = None
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Letter:
    case_number: str | None = None
    date_assigned: str | None = None  # ISO YYYY-MM-DD
    date_of_injury: str | None = None
    decision_date: str | None = None
    ur_denial_date: str | None = None
    application_received: str | None = None
    priority: str | None = None  # "Standard" | "Expedited"
    patient_age: int | None = None
    patient_sex: str | None = None  # "male" | "female"
    reviewer: Reviewer = field(default_factory=Reviewer)
    case_summary: str = ""
    items: list[DisputedItem] = field(default_factory=list)
    letter_text: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str | None:
        decisions = {item.decision for item in self.items}
        if not decisions:
            return None
        if decisions == {"Upheld"}:
            return "Upheld"
        if decisions == {"Overturned"}:
            return "Overturned"
        return "Partially Overturned"
