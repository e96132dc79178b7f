"""The two roles of SINS Quiz are Django groups; permissions hang off them."""

TRAINEES = "Trainees"
EDUCATORS = "Educators"
