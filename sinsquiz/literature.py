"""Published agreement on SINS, as anchors beside the trainees' own figures (domain/README.md).

The studies report unweighted kappa (Fourney 2011's between raters is taken as such; Campos 2014 used Fleiss'):
set a trainee's unweighted kappa beside them, not a weighted one.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Study:
    short: str  # for table headings: "Fourney 2011"
    citation: str
    raters: str
    measure: str  # the statistic the study reports, for headings: "inter-rater κ", "Fleiss' κ"
    components: dict[str, float] = field(default_factory=dict)  # kappa per SINS component, among the raters
    total_icc: float | None = None
    # Stable (0-6) vs surgical consultation (7-18): among the raters, and each rater against the expert standard.
    binary_kappa: float | None = None
    binary_kappa_vs_experts: float | None = None
    binary_kappa_intra: float | None = None  # each rater with themselves, the same cases weeks later
    # The raters' call for a surgical opinion (potentially unstable or unstable) against the expert consensus.
    consultation_sensitivity: float | None = None
    consultation_specificity: float | None = None


FOURNEY_INTER = Study(
    "Fourney 2011",
    "Fourney et al., J Clin Oncol 2011",
    "members of the Spine Oncology Study Group, 30 cases",
    "inter-rater κ",
    {"location": 0.790, "pain": 0.841, "bone_lesion": 0.244, "alignment": 0.456, "collapse": 0.462,
     "posterolateral": 0.492},
    total_icc=0.846,
    consultation_sensitivity=0.957,
    consultation_specificity=0.795,
)  # fmt: skip
FOURNEY_INTRA = Study(
    "Fourney 2011",
    "Fourney et al., J Clin Oncol 2011",
    "the same raters, 6 weeks or more apart",
    "intra-rater κ",
    {"location": 0.806, "pain": 0.859, "bone_lesion": 0.528, "alignment": 0.614, "collapse": 0.590,
     "posterolateral": 0.662},
    total_icc=0.886,
)  # fmt: skip
CAMPOS = Study(
    "Campos 2014",
    "Campos et al., Spine J 2014",
    "surgeons and oncology specialists",
    "Fleiss' κ",
    {"location": 0.81, "pain": 0.58, "bone_lesion": 0.21, "alignment": 0.45, "collapse": 0.42,
     "posterolateral": 0.29},
    total_icc=0.79,
)  # fmt: skip
FISHER_RADIOLOGISTS = Study(
    "Fisher 2014",
    "Fisher et al., AJR 2014",
    "37 radiologists, 30 cases",
    "κ, stable vs consultation",
    binary_kappa=0.76,
    binary_kappa_vs_experts=0.88,
    binary_kappa_intra=0.82,
)
FISHER_RADIATION_ONCOLOGISTS = Study(
    "Fisher 2014",
    "Fisher et al., Radiat Oncol 2014",
    "33 radiation oncologists, 30 cases",
    "κ, stable vs consultation",
    binary_kappa=0.76,
    binary_kappa_vs_experts=0.85,
    binary_kappa_intra=0.80,
)

COMPONENT_STUDIES = (FOURNEY_INTER, CAMPOS)
CONSULTATION_STUDY = FOURNEY_INTER  # sensitivity and specificity of the call for a surgical opinion
BINARY_STUDIES = (FISHER_RADIOLOGISTS, FISHER_RADIATION_ONCOLOGISTS)
# Test–retest: each rater against themselves on the same cases after a washout.
INTRA_COMPONENT_STUDY = FOURNEY_INTRA
