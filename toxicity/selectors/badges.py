"""How a CTCAE grade is coloured on every safety page (lab values, adverse events). The badge text always
says the grade; the colour only repeats it."""

GRADE_BADGE_CSS = {
    0: "text-bg-success",
    1: "text-bg-light border",
    2: "text-bg-info",
    3: "text-bg-warning",
    4: "text-bg-danger",
    5: "text-bg-dark",
}
