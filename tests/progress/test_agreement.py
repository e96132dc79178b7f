"""What the dashboards say about a component's answers against the reference."""

from sinsquiz import sins
from sinsquiz.progress.agreement import ComponentAgreement

# Rows: the reference's answer (lytic, mixed, blastic); columns: the trainee's.
MIXED_FOR_LYTIC_TWICE = [[4, 2, 0], [0, 4, 0], [0, 0, 2]]
UNDER_CALLED = [[0, 4, 0], [0, 0, 4], [0, 0, 2]]


def test_the_commonest_mistake_is_named_with_the_reference_it_was_given_for():
    lesion = ComponentAgreement(sins.BONE_LESION, MIXED_FOR_LYTIC_TWICE)

    reference, given, count = lesion.most_common_mistake

    assert (reference.code, given.code, count) == ("lytic", "mixed", 2)


def test_a_mistake_that_leaves_the_points_nearly_even_is_not_called_a_lean():
    lesion = ComponentAgreement(sins.BONE_LESION, MIXED_FOR_LYTIC_TWICE)

    assert lesion.bias == -2 / 12
    assert lesion.bias_text == "On bone lesion, no clear lean to more or fewer points than the reference."


def test_answers_worth_fewer_points_case_after_case_are_called_under_calling():
    lesion = ComponentAgreement(sins.BONE_LESION, UNDER_CALLED)

    assert lesion.bias_text == "Bone lesion under-called: -0.8 points a case on average."


def test_a_lean_of_exactly_a_quarter_point_is_printed_as_the_lean_it_is_called():
    # Lytic read as mixed once in four cases: 1 point fewer over 4 cases, -0.25 a case, which the threshold calls a
    # lean; half-even rounding printed it as -0.2, below the threshold it had crossed.
    lesion = ComponentAgreement(sins.BONE_LESION, [[3, 1, 0], [0, 0, 0], [0, 0, 0]])

    assert lesion.bias == -0.25
    assert lesion.bias_text == "Bone lesion under-called: -0.3 points a case on average."


def test_a_lean_of_seven_points_over_twenty_cases_prints_as_the_half_it_is_rounded_up():
    # Lytic read as mixed in 7 of 20 cases: -7 / 20 = -0.35, which as a binary float lies just short of the half.
    lesion = ComponentAgreement(sins.BONE_LESION, [[13, 7, 0], [0, 0, 0], [0, 0, 0]])

    assert lesion.bias_text == "Bone lesion under-called: -0.4 points a case on average."
