"""The demo library: teaching cases with synthetic images, expert readings and demo users.

Every image is drawn by cases/demo/phantoms.py and enters through the same pipeline as an upload; the CT series of
the first two cases arrive as a PACS exports them, DICOM in Hounsfield units with fake patient details
(cases/demo/dicom.py), through the DICOM import. The cases cover
all three SINS categories, all three bone-lesion types, every location class, every Tomita type and the
absent pedicle sign present, absent and not assessable; one case has a second expert who disagrees.
"""

import io
import random
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from cases import images, ingest
from cases.demo import dicom, phantoms
from cases.models import Annotation, Case, Ingest, ReferenceReading, Series, Slice
from sinsquiz import roles, sins
from sinsquiz.progress.models import Cohort
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt

DEFAULT_PASSWORD = "sins-demo"
DEMO_USERS = (("educator", roles.EDUCATORS, True), ("resident1", roles.TRAINEES, False),
              ("resident2", roles.TRAINEES, False))  # fmt: skip
FULL_SET = ("xr_ap", "xr_lateral", "ct_sagittal_bone", "ct_axial_bone", "mr_sagittal_localiser", "mr_sagittal_t1",
            "mr_sagittal_t2", "mr_axial_t2")  # fmt: skip
CT_AND_MR = ("ct_sagittal_bone", "ct_axial_bone", "mr_sagittal_localiser", "mr_sagittal_t1", "mr_sagittal_t2",
             "mr_axial_t2")  # fmt: skip

# Where each item is best seen: the key image of its rationale (series kind; the middle image of the stack).
KEY_SERIES = {
    "level": "mr_sagittal_localiser",
    "bone_lesion": "ct_sagittal_bone",
    "alignment": "xr_lateral",
    "collapse": "ct_sagittal_bone",
    "posterolateral": "ct_axial_bone",
    "absent_pedicle": "xr_ap",
    "tomita": "mr_axial_t2",
    "escc": "mr_axial_t2",
}


@dataclass(frozen=True)
class DemoCase:
    title: str
    age: int
    sex: str
    primary_tumour: str
    prior_treatment: str
    presentation: str
    pain_statement: str
    difficulty: int
    reading: dict
    rationale: dict
    teaching_points: str
    discussion: str = ""
    series: tuple[str, ...] = FULL_SET
    side: str = "left"
    extra_levels: tuple[str, ...] = ()
    asks_escc: bool = False
    second_reader: dict = field(default_factory=dict)
    from_dicom: bool = False  # its CT series come in as DICOM files, through the import (windows in HU)

    @property
    def slug(self) -> str:
        # From the neutral title: the address bar must not give the level or a finding away.
        return slugify(self.title)

    @property
    def findings(self) -> phantoms.Findings:
        """What the images must show: the reading, and where the drawing needs more (side, other levels)."""
        r = self.reading
        return phantoms.Findings(
            level=r["level"],
            bone_lesion=r["bone_lesion"],
            collapse=r["collapse"],
            alignment=r["alignment"],
            posterolateral=r["posterolateral"],
            absent_pedicle=r["absent_pedicle"],
            tomita=r["tomita"],
            escc=r.get("escc") or "0",
            side=self.side,
            extra_levels=self.extra_levels,
        )


MECHANICAL = "Mechanical pain scores 3: it eases on lying down, or comes on with standing, walking or turning, or both."
OCCASIONAL = (
    "Pain with no link to posture, movement or load is non-mechanical, whether it comes and goes, never stops or "
    "comes at night: 1 point."
)
PAIN_FREE = "No pain from this lesion: 0 points. Pain is taken from the history, never guessed from the images."

CASES = (
    DemoCase(
        from_dicom=True,
        title="Mid-back pain two years after breast cancer",
        age=58,
        sex="female",
        primary_tumour="Breast carcinoma (ductal, ER positive)",
        prior_treatment="chemotherapy",
        presentation="Six weeks of mid-thoracic back pain. No weakness, normal bladder and bowel function.",
        pain_statement="The pain is worse when she stands up or twists and settles within minutes of lying flat.",
        difficulty=1,
        reading={
            "level": "T7",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "lt50",
            "posterolateral": "unilateral",
            "absent_pedicle": "present",
            "tomita": 4,
            "escc": "1b",
        },  # fmt: skip
        asks_escc=True,
        rationale={
            "level": "Counting the bodies down from C2 on the whole-spine localiser, T7 carries the destructive "
            "lesion and the loss of height; its neighbours are normal.",
            "pain": MECHANICAL,
            "bone_lesion": "On CT the body has a soft-tissue-density defect with no new bone: lytic, 2 points.",
            "collapse": "The body has lost about a quarter of its height (a third at the front): less than 50 % "
            "collapse, 2 points.",
            "posterolateral": "Tumour replaces the left pedicle only; the right is intact: unilateral, 1 point.",
            "absent_pedicle": "The left pedicle outline of T7 is missing on the AP radiograph: the 'winking owl'.",
            "tomita": "A small tongue of tumour has left the bone behind the body, into the canal: Tomita type 4.",
            "escc": "Epidural tumour deforms the thecal sac but does not reach the cord: grade 1b.",
        },
        teaching_points="Mechanical pain and a lytic lesion drive this score up, even with modest collapse.\n"
        "A total of 9 sits in the potentially unstable band: ask a spine surgeon for an opinion.",
        discussion="Metastases favour the back of the body and the pedicle, so check every pedicle outline on "
        "the AP radiograph: one gone missing is easy to overlook and points to a lytic deposit.",
    ),
    DemoCase(
        from_dicom=True,
        title="Staging scan in prostate cancer",
        age=72,
        sex="male",
        primary_tumour="Prostate adenocarcinoma (Gleason 4+4)",
        prior_treatment="none",
        presentation="Rising PSA; staging before treatment. No back symptoms.",
        pain_statement="He has no back pain at all.",
        difficulty=1,
        reading={
            "level": "L3",
            "pain": "none",
            "bone_lesion": "blastic",
            "alignment": "normal",
            "collapse": "none",
            "posterolateral": "none",
            "absent_pedicle": "absent",
            "tomita": 1,
        },  # fmt: skip
        rationale={
            "pain": PAIN_FREE,
            "bone_lesion": "Dense, sclerotic bone on CT and dark on both T1 and T2: blastic, 0 points.",
            "collapse": "Normal height and less than half of the body involved: none of the above, 0 points.",
            "posterolateral": "Pedicles and facets are normal: 0 points.",
            "absent_pedicle": "Both pedicle outlines are present: a sclerotic deposit does not erase them.",
            "tomita": "Confined to the vertebral body: Tomita type 1.",
        },
        teaching_points="Blastic, painless, no collapse: a stable score of 2.\n"
        "Prostate metastases are typically blastic: dark on T1 and on T2.",
    ),
    DemoCase(
        title="Back pain and heavy legs, renal cancer",
        age=63,
        sex="male",
        primary_tumour="Clear-cell renal carcinoma",
        prior_treatment="none",
        presentation="Three weeks of back pain, now with heavy legs on walking.",
        pain_statement="He cannot stand for more than a minute because of the pain; lying still eases it.",
        difficulty=2,
        reading={
            "level": "T12",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "deformity",
            "collapse": "gt50",
            "posterolateral": "bilateral",
            "absent_pedicle": "present",
            "tomita": 4,
            "escc": "2",
        },  # fmt: skip
        side="right",
        asks_escc=True,
        rationale={
            "level": "T12, the last rib-bearing vertebra, has collapsed and carries the epidural tumour.",
            "pain": MECHANICAL,
            "bone_lesion": "Lytic destruction of the body, typical of renal carcinoma: 2 points.",
            "alignment": "A new focal kyphosis at T12 without translation: de novo deformity, 2 points.",
            "collapse": "Less than half of the body's height remains: more than 50 % collapse, 3 points.",
            "posterolateral": "Tumour replaces both pedicles and facets: bilateral, 3 points.",
            "absent_pedicle": "Both pedicle outlines of T12 have vanished on the AP radiograph: tumour has replaced "
            "both pedicles.",
            "tomita": "Tumour has left the bone and entered the canal: Tomita type 4.",
            "escc": "The cord is compressed but a rim of CSF remains: grade 2.",
        },
        teaching_points="T12 is junctional: 3 points before anything else is scored.\n"
        "16 is unstable, and heavy legs with grade 2 cord compression make this an emergency.",
        discussion="Renal and thyroid metastases are often expansile and very vascular; the NOMS framework "
        "weighs the neurology and the stability separately.",
    ),
    DemoCase(
        title="Neck pain in lung cancer",
        age=66,
        sex="female",
        primary_tumour="Lung adenocarcinoma",
        prior_treatment="chemotherapy",
        presentation="Neck pain for a month; no weakness, numbness or tingling.",
        pain_statement="Turning her head or looking up brings the pain on; she sleeps well on her back.",
        difficulty=2,
        reading={
            "level": "C5",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "lt50",
            "posterolateral": "unilateral",
            "absent_pedicle": "not_assessable",
            "tomita": 3,
        },  # fmt: skip
        series=CT_AND_MR,
        rationale={
            "level": "Counting down from C2 (the body with the dens), C5 is the only abnormal level.",
            "pain": MECHANICAL,
            "bone_lesion": "A lucent, destructive lesion without sclerosis: lytic.",
            "collapse": "About a quarter of the body's height is lost (a third at the front): less than 50 %, "
            "2 points.",
            "posterolateral": "The left pedicle and lamina are replaced; the right side is intact: 1 point.",
            "absent_pedicle": "There is no AP radiograph in this case, so the sign cannot be assessed.",
            "tomita": "Body, left pedicle and lamina, all still inside their cortex: Tomita type 3.",
        },
        teaching_points="C3–C6 is the mobile cervical spine: 2 points for location.\n"
        "Do not guess a sign from a view you have not got: 'not assessable' is a real answer.",
    ),
    DemoCase(
        title="Sacral lesion in thyroid cancer",
        age=54,
        sex="female",
        primary_tumour="Follicular thyroid carcinoma",
        prior_treatment="radiotherapy",
        presentation="Known bone metastases; sacral ache noticed over the past month.",
        pain_statement="An ache low in the sacrum comes and goes through the day, whatever she is doing.",
        difficulty=2,
        reading={
            "level": "S3",
            "pain": "occasional",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "none",
            "posterolateral": "none",
            "absent_pedicle": "not_assessable",
            "tomita": 5,
        },  # fmt: skip
        series=CT_AND_MR,
        rationale={
            "level": "Counting down from the last lumbar disc, the lesion is centred on S3.",
            "pain": OCCASIONAL,
            "bone_lesion": "A lucent, destructive focus with no new bone: lytic, 2 points.",
            "collapse": "The fused sacral segments keep their shape: 0 points.",
            "posterolateral": "No facet or pedicle at this level is involved: 0 points.",
            "absent_pedicle": "No AP radiograph of the sacrum here: not assessable.",
            "tomita": "A soft-tissue mass has broken out through the front of the sacrum into the presacral space: "
            "Tomita type 5.",
        },
        teaching_points="S2–S5 is rigid: 0 points for location.\n"
        "A large mass can still score as stable (3 here): SINS measures instability, not tumour burden.",
    ),
    DemoCase(
        title="Follow-up after chemotherapy for breast cancer",
        age=49,
        sex="female",
        primary_tumour="Breast carcinoma",
        prior_treatment="chemotherapy",
        presentation="Restaging after six cycles of chemotherapy.",
        pain_statement="An occasional dull ache at night, unrelated to movement.",
        difficulty=3,
        reading={
            "level": "T9",
            "pain": "occasional",
            "bone_lesion": "mixed",
            "alignment": "normal",
            "collapse": "involved_gt50",
            "posterolateral": "none",
            "absent_pedicle": "absent",
            "tomita": 1,
        },  # fmt: skip
        second_reader={"reader_name": "Dr B. Second", "bone_lesion": "blastic"},
        rationale={
            "level": "T9 is the involved body.",
            "pain": OCCASIONAL,
            "bone_lesion": "Lucent areas remain inside new sclerosis: mixed, 1 point. A second expert called it "
            "blastic; bone quality is the least reproducible SINS item.",
            "collapse": "No loss of height, but tumour fills more than half of the body: 1 point.",
            "posterolateral": "The posterior elements are spared: 0 points.",
            "absent_pedicle": "Both pedicles are seen on the AP radiograph.",
            "tomita": "Body only: Tomita type 1.",
        },
        teaching_points="Treated lytic metastases can turn sclerotic; read the history before calling a lesion "
        "blastic.\nBone lesion quality has the lowest agreement in the published studies (κ 0.21–0.24 between "
        "raters in Fourney 2011 and Campos 2014).",
    ),
    DemoCase(
        title="Sudden back pain on standing, melanoma",
        age=45,
        sex="male",
        primary_tumour="Cutaneous melanoma",
        prior_treatment="none",
        presentation="Sudden severe back pain after lifting a box two days ago. Since this morning both legs are "
        "weak and numb, and he has not passed urine.",
        pain_statement="Any attempt to sit or stand is agony; lying still on his side is bearable.",
        difficulty=2,
        reading={
            "level": "L1",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "subluxation",
            "collapse": "gt50",
            "posterolateral": "bilateral",
            "absent_pedicle": "present",
            "tomita": 6,
            "escc": "3",
        },  # fmt: skip
        extra_levels=("T12",),
        asks_escc=True,
        rationale={
            "level": "L1 is crushed, and T12 has slipped forward on it; T12 carries tumour too, but less.",
            "pain": MECHANICAL,
            "bone_lesion": "Destructive and lucent: lytic, 2 points.",
            "alignment": "T12 has slipped forward on L1: translation, the highest alignment score (4).",
            "collapse": "More than half of L1's height is gone: 3 points.",
            "posterolateral": "Both facet joints are destroyed: bilateral, 3 points.",
            "absent_pedicle": "Both pedicle outlines of L1 are gone on the AP radiograph.",
            "tomita": "The tumour reaches the adjacent T12: Tomita type 6.",
            "escc": "The conus is compressed with no CSF left around it: grade 3.",
        },
        teaching_points="Every component takes its maximum: 18 of 18.\n"
        "Translation is the most unstable alignment finding.\n"
        "New weakness, numbness and retention of urine with grade 3 compression in an unstable spine is an "
        "emergency: keep him flat and call the spinal surgeons now.",
    ),
    DemoCase(
        title="Lower back ache in colorectal cancer",
        age=61,
        sex="male",
        primary_tumour="Colorectal adenocarcinoma",
        prior_treatment="both",
        presentation="Lower back ache for two months; several bone lesions on the PET scan.",
        pain_statement="The ache comes and goes; it is not worse on standing or walking.",
        difficulty=3,
        reading={
            "level": "L4",
            "pain": "occasional",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "lt50",
            "posterolateral": "none",
            "absent_pedicle": "absent",
            "tomita": 7,
        },  # fmt: skip
        extra_levels=("L2", "S1"),
        rationale={
            "level": "Several levels are involved; L4 is the most affected (it alone has lost height).",
            "pain": OCCASIONAL,
            "bone_lesion": "Lucent and destructive: lytic, 2 points.",
            "collapse": "L4 has lost about a quarter of its height (a third at the front): less than half, 2 points.",
            "posterolateral": "The posterior elements are intact: 0 points.",
            "absent_pedicle": "Both pedicle outlines are visible at L4.",
            "tomita": "Skip lesions at L2 and S1 as well: Tomita type 7.",
        },
        teaching_points="With several levels involved, this library asks you to score the most affected one: a "
        "convention of this product, as SINS gives no rule for multi-level disease.\n"
        "7 is the lowest potentially unstable total: ask for a surgical opinion.",
    ),
    DemoCase(
        title="Low back pain on walking, prostate cancer",
        age=77,
        sex="male",
        primary_tumour="Prostate adenocarcinoma",
        prior_treatment="none",
        presentation="Low back pain for three months.",
        pain_statement="Walking more than a hundred metres brings on the pain; it settles when he lies down.",
        difficulty=2,
        reading={
            "level": "L5",
            "pain": "mechanical",
            "bone_lesion": "blastic",
            "alignment": "normal",
            "collapse": "none",
            "posterolateral": "unilateral",
            "absent_pedicle": "absent",
            "tomita": 2,
        },  # fmt: skip
        side="right",
        rationale={
            "level": "L5 carries the dense lesion.",
            "pain": MECHANICAL,
            "bone_lesion": "Ivory-dense, dark on T1 and T2: blastic, 0 points.",
            "collapse": "Normal height, and less than half of the body is involved: 0 points.",
            "posterolateral": "The right pedicle is replaced by sclerotic tumour: unilateral, 1 point.",
            "absent_pedicle": "A sclerotic pedicle is still seen on the AP radiograph: the sign is absent.",
            "tomita": "Body and one pedicle: Tomita type 2.",
        },
        teaching_points="L5–S1 is junctional: 3 points.\nLocation (3) and mechanical pain (3) make 6; the "
        "unilateral posterolateral point brings this blastic lesion to 7, where a surgical opinion is due.",
    ),
    DemoCase(
        title="Incidental finding on staging CT, lung cancer",
        age=70,
        sex="female",
        primary_tumour="Squamous cell lung carcinoma",
        prior_treatment="radiotherapy",
        presentation="Found on a staging CT; she has no back complaints.",
        pain_statement="She denies any back or neck pain.",
        difficulty=3,
        reading={
            "level": "T2",
            "pain": "none",
            "bone_lesion": "mixed",
            "alignment": "deformity",
            "collapse": "lt50",
            "posterolateral": "unilateral",
            "absent_pedicle": "present",
            "tomita": 3,
        },  # fmt: skip
        side="right",
        rationale={
            "level": "Counting down from C7 (the last level without a rib), T2 is the abnormal level.",
            "pain": PAIN_FREE,
            "bone_lesion": "Lucent and sclerotic areas together: mixed, 1 point.",
            "alignment": "A new focal kyphosis centred on T2, without translation: de novo deformity, 2 points.",
            "collapse": "T2 has lost about a third of its height at the front and a fifth at the back: less than "
            "half, 2 points.",
            "posterolateral": "The right pedicle and lamina are involved: unilateral, 1 point.",
            "absent_pedicle": "The right pedicle of T2 is not seen on the AP radiograph.",
            "tomita": "Body, pedicle and lamina: Tomita type 3.",
        },
        teaching_points="C7–T2 is junctional: 3 points even in a painless patient.\n"
        "A painless lesion can still score 9.",
    ),
    DemoCase(
        title="Lower neck pain, kidney cancer",
        age=59,
        sex="male",
        primary_tumour="Renal cell carcinoma",
        prior_treatment="none",
        presentation="Pain at the base of the neck for six weeks.",
        pain_statement="Pain when he lifts his head from the pillow or carries shopping; none at rest.",
        difficulty=2,
        reading={
            "level": "C7",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "involved_gt50",
            "posterolateral": "unilateral",
            "absent_pedicle": "absent",
            "tomita": 2,
        },  # fmt: skip
        rationale={
            "level": "C7 is the involved level.",
            "pain": MECHANICAL,
            "bone_lesion": "Lytic, 2 points.",
            "collapse": "Height kept, but more than half of the body is tumour: 1 point.",
            "posterolateral": "Tumour replaces part of the left pedicle: unilateral, 1 point.",
            "absent_pedicle": "Both pedicle outlines can still be seen at C7.",
            "tomita": "Body and pedicle: Tomita type 2.",
        },
        teaching_points="C7 is junctional.\nA pedicle can be partly involved while its outline is still seen.",
    ),
    DemoCase(
        title="Surveillance after treated breast cancer",
        age=68,
        sex="female",
        primary_tumour="Breast carcinoma",
        prior_treatment="both",
        presentation="Routine surveillance; a spinal metastasis was treated eight years ago.",
        pain_statement="She has no pain.",
        difficulty=1,
        reading={
            "level": "T4",
            "pain": "none",
            "bone_lesion": "blastic",
            "alignment": "normal",
            "collapse": "none",
            "posterolateral": "none",
            "absent_pedicle": "absent",
            "tomita": 1,
        },  # fmt: skip
        rationale={
            "level": "Counting the bodies down from C2 on the whole-spine localiser, T4 carries the dense lesion.",
            "pain": PAIN_FREE,
            "bone_lesion": "Uniformly dense after treatment: blastic, 0 points.",
            "tomita": "Body only: Tomita type 1.",
        },
        teaching_points="A treated, sclerotic, painless deposit in the semirigid thoracic spine: 1 point, stable.",
    ),
    DemoCase(
        title="Back pain and numb legs, liver cancer",
        age=64,
        sex="male",
        primary_tumour="Hepatocellular carcinoma",
        prior_treatment="none",
        presentation="Back pain for a month. Since yesterday both legs feel heavy, and they are numb from the "
        "groins down.",
        pain_statement="The pain is worst when he sits up in bed and eases when he lies flat.",
        difficulty=3,
        reading={
            "level": "T10",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "deformity",
            "collapse": "gt50",
            "posterolateral": "bilateral",
            "absent_pedicle": "present",
            "tomita": 4,
            "escc": "2",
        },  # fmt: skip
        asks_escc=True,
        rationale={
            "level": "Counting up from T12, the last rib-bearing level, T10 is collapsed, with tumour in the canal.",
            "pain": MECHANICAL,
            "bone_lesion": "Lytic, 2 points.",
            "alignment": "New focal kyphosis: 2 points.",
            "collapse": "More than half of the height is lost: 3 points.",
            "posterolateral": "Both pedicles are replaced: bilateral, 3 points.",
            "absent_pedicle": "Both pedicle outlines of T10 have disappeared on the AP radiograph.",
            "tomita": "Epidural extension: Tomita type 4.",
            "escc": "Epidural tumour compresses the cord, with a thin rim of CSF still around it: grade 2.",
        },
        teaching_points="Semirigid location (1 point) does not stop a total of 14: unstable.\n"
        "Heavy, numb legs are signs of cord compression. With grade 2 compression on the MRI this is an "
        "emergency: a spinal surgical opinion today, whatever the score.",
    ),
    DemoCase(
        title="Buttock pain in thyroid cancer",
        age=57,
        sex="female",
        primary_tumour="Papillary thyroid carcinoma",
        prior_treatment="none",
        presentation="Pain across the low back and right buttock.",
        pain_statement="Standing up from a chair and climbing stairs bring the pain on; lying down relieves it.",
        difficulty=2,
        reading={
            "level": "S1",
            "pain": "mechanical",
            "bone_lesion": "lytic",
            "alignment": "normal",
            "collapse": "lt50",
            "posterolateral": "unilateral",
            "absent_pedicle": "present",
            "tomita": 5,
        },  # fmt: skip
        side="right",
        rationale={
            "level": "S1, the first segment below the last lumbar disc, carries the lesion.",
            "pain": MECHANICAL,
            "bone_lesion": "Lucent and destructive, with no new bone: lytic, 2 points.",
            "collapse": "The S1 body has lost about a quarter of its height: less than 50 %, 2 points.",
            "posterolateral": "The right pedicle and facet are replaced: unilateral, 1 point.",
            "absent_pedicle": "Tumour has replaced the right pedicle of S1, and its outline is gone on the AP "
            "radiograph.",
            "tomita": "A soft-tissue mass has broken out beside the sacrum on the right: Tomita type 5.",
        },
        teaching_points="S1 belongs to the L5–S1 junction: 3 points, not the 0 of the rigid sacrum below.",
    ),
)


JUNCTIONS = {("cervical", "thoracic"): "cervicothoracic", ("thoracic", "lumbar"): "thoracolumbar",
             ("lumbar", "sacral"): "lumbosacral"}  # fmt: skip


def imaged_region(level: str) -> str:
    """The region the phantom images cover: three levels either side of the index level."""
    index = sins.LEVELS.index(level)
    shown = sins.LEVELS[max(0, index - 3) : index + 4]
    regions = list(dict.fromkeys(sins.region_for_level(code) for code in shown))
    if len(regions) == 3:
        return regions[1]
    return JUNCTIONS[tuple(regions)] if len(regions) == 2 else regions[0]


def _level_rationale(level: str) -> str:
    return f"{sins.explain_location(level)}."


@transaction.atomic
def create_case(demo: DemoCase, author: User | None) -> Case:
    reading = {**demo.reading, "location": sins.location_for_level(demo.reading["level"])}
    region = imaged_region(reading["level"])
    case = Case.objects.create(
        slug=demo.slug,
        title=demo.title,
        status=Case.Status.DRAFT,
        age=demo.age,
        sex=demo.sex,
        primary_tumour=demo.primary_tumour,
        prior_treatment=demo.prior_treatment,
        presentation=demo.presentation,
        pain_statement=demo.pain_statement,
        index_level=reading["level"],
        region=region,
        asks_escc=demo.asks_escc,
        teaching_points=demo.teaching_points,
        discussion=demo.discussion,
        difficulty=demo.difficulty,
        author=author,
    )
    key_slices, key_seeds = {}, {}
    for order, code in enumerate(demo.series):
        kind = phantoms.SERIES_KINDS[code]
        if demo.from_dicom and kind.modality == Series.Modality.CT:
            made = list(_import_dicom(case, demo, code, seed=order).slices.all())
        else:
            made = _upload_pictures(case, demo, code, order)
        key_slices[code] = made[len(made) // 2]
        key_seeds[code] = (order, len(made) // 2)
    rationales = {"location": _level_rationale(reading["level"]), **demo.rationale}
    asked = {item for item in KEY_SERIES if item != "escc" or demo.asks_escc}
    expert = {
        **reading,
        **{f"{item}_rationale": text for item, text in rationales.items()},
        **{f"{item}_key_slice": key_slices.get(code) for item, code in KEY_SERIES.items() if item in asked},
    }
    primary = ReferenceReading.objects.create(case=case, reader_name="Dr A. Okafor (spine radiology)",
                                              is_primary=True, **expert)  # fmt: skip
    Annotation.objects.bulk_create(_annotations(primary, demo, key_slices, key_seeds))
    if demo.second_reader:
        ReferenceReading.objects.create(case=case, is_primary=False, **{**reading, **demo.second_reader})
    case.status = Case.Status.PUBLISHED
    problems = case.publication_problems()
    assert not problems, f"demo case {demo.slug}: {problems}"
    case.save(update_fields=["status", "updated"])
    return case


def _upload_pictures(case: Case, demo: DemoCase, code: str, order: int) -> list[Slice]:
    kind = phantoms.SERIES_KINDS[code]
    series = Series.objects.create(case=case, modality=kind.modality, plane=kind.plane, sequence=kind.sequence,
                                   order=order)  # fmt: skip
    drawn = phantoms.render_series(demo.findings, code, seed=order)
    region = case.get_region_display().lower()
    return [
        Slice.create_from_upload(series, images.process(_as_upload(picture, f"{code}-{position}.png")),
                                 alt_text=phantoms.alt_text(code, position, len(drawn), region), position=position)
        for position, picture in enumerate(drawn)
    ]  # fmt: skip


def _import_dicom(case: Case, demo: DemoCase, code: str, seed: int) -> Series:
    """The phantom's CT series written as DICOM files and imported as an educator's upload is."""
    kind = phantoms.SERIES_KINDS[code]
    volume = dicom.ct_volume(demo.findings, code, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        paths = dicom.write_ct_series(Path(folder), volume, plane=kind.plane, window=(1500, 300))
        done = ingest.run(ingest.stage(case, ingest.opened(paths)))
    assert done.status == Ingest.Status.DONE, f"demo case {demo.slug}: {done.message}"
    return done.series.get()


def _annotations(reading: ReferenceReading, demo: DemoCase, key_slices: dict, seeds: dict) -> list[Annotation]:
    """Shapes on some key images, placed from the geometry the phantoms are drawn with (seeds: series kind ->
    (seed, image index)): the index level's body circled and named on the localiser and where collapse is
    judged, an arrow at the lesion on the sagittal CT."""
    level = demo.reading["level"]
    shapes = []

    def add(item, code, kind, box, label=""):
        slice_ = key_slices[code]
        if slice_ != getattr(reading, f"{item}_key_slice"):
            return
        x1, x2 = (min(1, max(0, x / slice_.width)) for x in box[::2])
        y1, y2 = (min(1, max(0, y / slice_.height)) for y in box[1::2])
        shapes.append(Annotation(reading=reading, item=item, slice=slice_, kind=kind, label=label, x1=x1, y1=y1,
                                 x2=x2, y2=y2))  # fmt: skip

    for item, code in (("level", "mr_sagittal_localiser"), ("collapse", "ct_sagittal_bone")):
        if code in seeds:
            x1, y1, x2, y2 = phantoms.body_box(demo.findings, code, level, seed=seeds[code][0])
            dx, dy = (x2 - x1) / 4, (y2 - y1) / 4
            add(item, code, Annotation.Kind.CIRCLE, (x1 - dx, y1 - dy, x2 + dx, y2 + dy), sins.level_label(level))
    if "ct_sagittal_bone" in seeds:
        seed, index = seeds["ct_sagittal_bone"]
        try:
            x1, y1, x2, y2 = phantoms.lesion_box(demo.findings, "ct_sagittal_bone", index, seed=seed)
        except ValueError:
            return shapes  # this image does not cut the lesion
        x, y = (x1 + x2) / 2, (y1 + y2) / 2
        add("bone_lesion", "ct_sagittal_bone", Annotation.Kind.ARROW, (x - 60, y - 60, x, y), "lesion")
    return shapes


def _as_upload(picture, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=1)  # a transient file: speed over size
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def create_users(password: str) -> list[str]:
    """Create the demo users that do not exist yet; existing ones are left as they are."""
    created = []
    for username, group, is_staff in DEMO_USERS:
        user, new = User.objects.get_or_create(username=username, defaults={"is_staff": is_staff})
        if new:
            user.set_password(password)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=group))
            created.append(username)
    return created


# --- A practice history, so the dashboards have something to show on the first `make run` -----------

DEMO_COHORT = "Demo cohort"
# resident2 has practised for a few weeks; the others make up the cohort the educator follows.
# resident1 is left fresh, to try the product from the start.
PRACTISING = ("resident2", "resident3", "resident4", "resident5", "resident6", "resident7")
# How often a beginner misreads each item; bone quality is the least reproducible item in every study.
ERROR_RATE = {"level": 0.1, "location": 0.1, "pain": 0.15, "bone_lesion": 0.45, "alignment": 0.3, "collapse": 0.35,
              "posterolateral": 0.35, "absent_pedicle": 0.25, "tomita": 0.4, "escc": 0.35}  # fmt: skip


def create_history(password: str) -> int:
    """A demo cohort with submitted attempts (through the real commit), once; returns attempts made."""
    if Cohort.objects.filter(name=DEMO_COHORT).exists():
        return 0
    trainees_group = Group.objects.get(name=roles.TRAINEES)
    trainees = []
    for username in PRACTISING:
        user, new = User.objects.get_or_create(username=username)
        if new:
            user.set_password(password)
            user.save(update_fields=["password"])
            user.groups.add(trainees_group)
        trainees.append(user)
    cohort = Cohort.objects.create(name=DEMO_COHORT)
    cohort.trainees.set([*trainees, User.objects.get(username="resident1")])
    cohort.educators.set(User.objects.filter(username="educator"))

    rng = random.Random(2026)
    cases = list(Case.objects.published().filter(slug__in=[c.slug for c in CASES]).order_by("pk"))
    made = 0
    now = timezone.now()
    for skill, trainee in enumerate(trainees):
        plan = cases[:]
        rng.shuffle(plan)
        if trainee.username == "resident2":
            plan += plan[:6]  # retries of the first six cases: 20 attempts in all
        for n, case in enumerate(plan):
            # Beginners err at the rates above; each attempt, and each better resident, errs a little less.
            care = max(0.25, 1 - 0.035 * n - 0.08 * skill)
            answers = simulated_answers(case, rng, care)
            attempt, _ = drafts.submit(drafts.open_draft(trainee, case), answers)
            when = now - timedelta(days=56 - 56 * n / len(plan), minutes=rng.randrange(600))
            spent = timedelta(seconds=rng.randrange(150, 540))  # what a resident takes over a case
            Attempt.objects.filter(pk=attempt.pk).update(submitted=when, started=when - spent, time_spent=spent)
            made += 1
    return made


def mark_first_tries(trainees) -> None:
    """Each trainee's earliest commit at each case is their first try, as a commit on the day would have marked it:
    the demo commits its history and sets first, then dates them back, out of that order."""
    mine = Attempt.objects.submitted().filter(trainee__in=trainees)
    earliest = mine.filter(trainee=OuterRef("trainee"), case=OuterRef("case")).order_by("submitted", "pk")
    firsts = list(mine.filter(pk=Subquery(earliest.values("pk")[:1])).values_list("pk", flat=True))
    mine.exclude(pk__in=firsts).update(first_try=False)
    mine.filter(pk__in=firsts).update(first_try=True)


def simulated_answers(case: Case, rng: random.Random, care: float) -> dict:
    reference = case.primary_reading.to_reading()
    answers = {}
    for item in sins.READING_ITEMS:
        value = getattr(reference, item)
        if value is None:
            continue
        if rng.random() < ERROR_RATE[item] * care:
            value = _neighbour(item, value, rng)
        answers[item] = value
    if answers["level"] != reference.level:
        answers["location"] = sins.location_for_level(answers["level"])
    return answers


def _neighbour(item: str, value, rng: random.Random):
    """A plausible misreading: the next option up or down the scale."""
    if item == "level":
        codes = list(sins.LEVELS)
    elif item in sins.COMPONENTS_BY_NAME:
        codes = list(sins.COMPONENTS_BY_NAME[item].codes)
    elif item == "absent_pedicle":
        codes = [c.code for c in sins.ABSENT_PEDICLE]
    elif item == "tomita":
        codes = [t.type for t in sins.TOMITA_TYPES]
    else:
        codes = [g.code for g in sins.ESCC_GRADES]
    index = codes.index(value)
    choices = [codes[i] for i in (index - 1, index + 1) if 0 <= i < len(codes)]
    return rng.choice(choices)
