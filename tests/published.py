"""Published figures of the Rebel report (MODEL.md section 2.5), EUR million, typed in
from the report itself: the independent reference for baseline and oracle tests."""

# (pillar, period, scope) -> restopgave, pillar netting (Tables 7, 10, 14, 16)
PUBLISHED = {
    ("physical", "P1", "total"): 2375,
    ("physical", "P1", "rijk"): 875,
    ("physical", "P2", "total"): 2020,
    ("physical", "P2", "rijk"): 1095,
    ("social", "P1", "total"): 560,
    ("social", "P1", "rijk"): 235,
    ("social", "P2", "total"): 2115,
    ("social", "P2", "rijk"): 1585,
}
# Table 1: both pillars, and per year
PUBLISHED_TOTAL = {("P1", "total"): 2940, ("P1", "rijk"): 1110, ("P2", "total"): 4140, ("P2", "rijk"): 2680}
PUBLISHED_PER_YEAR = {("P1", "total"): 730, ("P1", "rijk"): 280, ("P2", "total"): 690, ("P2", "rijk"): 450}
ROUNDING = 10.0  # the report rounds to 5 or 10 million
