"""Words the demo data is made of: common Bengali names, the blocks of South and North 24
Parganas, and the phrases social workers write. Every person is synthetic: names are drawn at
random from common-name lists (any likeness to a real person is chance), phones lie in a range
no Indian subscriber number uses (``+91 10...``: national numbers start 2-9), identity numbers
start with 0 (no Aadhaar or voter number does) and accounts use the reserved ``.example``
domain."""

from __future__ import annotations

import random
import uuid
from uuid import UUID

# The districts' ids as the foundation migration seeds them (UUIDv5 of their names).
_GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")
WEST_BENGAL = uuid.uuid5(_GEOGRAPHY, "state:WB")
SOUTH_24_PARGANAS = uuid.uuid5(_GEOGRAPHY, "district:WB:South 24 Parganas")
NORTH_24_PARGANAS = uuid.uuid5(_GEOGRAPHY, "district:WB:North 24 Parganas")
DISTRICTS = (SOUTH_24_PARGANAS, NORTH_24_PARGANAS)
DISTRICT_CODES = {SOUTH_24_PARGANAS: "s24p", NORTH_24_PARGANAS: "n24p"}

# The demo's own ids: fixed, so that a second run finds the first one's work.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/demo")
LEAD_ORGANIZATION_ID = uuid.uuid5(DEMO_NAMESPACE, "organization:lead")
EMAIL_DOMAIN = "shakti-demo.example"

BLOCKS: dict[UUID, tuple[str, ...]] = {
    SOUTH_24_PARGANAS: (
        "Canning",
        "Basanti",
        "Gosaba",
        "Kultali",
        "Jaynagar",
        "Mathurapur",
        "Kakdwip",
        "Namkhana",
        "Patharpratima",
        "Sagar",
        "Diamond Harbour",
    ),
    NORTH_24_PARGANAS: (
        "Basirhat",
        "Hasnabad",
        "Hingalganj",
        "Sandeshkhali",
        "Minakhan",
        "Bangaon",
        "Gaighata",
        "Swarupnagar",
        "Baduria",
        "Habra",
    ),
}
COURTS: dict[UUID, tuple[str, ...]] = {
    SOUTH_24_PARGANAS: (
        "Additional District and Sessions Court, Alipore",
        "Additional District and Sessions Court, Diamond Harbour",
        "POCSO Special Court, Alipore",
    ),
    NORTH_24_PARGANAS: (
        "Additional District and Sessions Court, Barasat",
        "Additional District and Sessions Court, Basirhat",
        "POCSO Special Court, Barasat",
    ),
}
_VILLAGE_PREFIXES = ("Uttar", "Dakshin", "Purba", "Paschim", "Madhya", "Natun", "")
_VILLAGE_BASES = (
    "Radhanagar",
    "Krishnapur",
    "Ramnagar",
    "Sonakhali",
    "Kalitala",
    "Haripur",
    "Gopalpur",
    "Madhabpur",
    "Chandipur",
    "Nityanandapur",
    "Bishnupur",
    "Durgapur",
    "Kashipur",
    "Lakshmipur",
    "Shibganj",
)

# Two naming traditions of the districts, each with its family names.
_HINDU_GIVEN = (
    "Rupa", "Mitali", "Shampa", "Moumita", "Puja", "Priya", "Laxmi", "Sonali", "Rina", "Tumpa",
    "Jhuma", "Anjali", "Asha", "Rumki", "Sathi", "Mampi", "Papiya", "Rupali", "Bithika",
    "Chandana", "Dipali", "Kakoli", "Mousumi", "Nupur", "Pinki", "Riya", "Shilpi", "Sumita",
    "Tania", "Urmila", "Anita", "Basanti", "Champa", "Jaba", "Kajal", "Madhuri", "Parbati",
    "Swapna", "Tulsi", "Sulekha",
)  # fmt: skip
_HINDU_FAMILY = (
    "Mondal", "Das", "Sardar", "Naskar", "Haldar", "Gayen", "Mistri", "Purkait", "Laskar",
    "Paik", "Baidya", "Bera", "Jana", "Maity", "Giri", "Biswas", "Roy", "Sarkar", "Pramanik",
    "Bag", "Dolui", "Kayal", "Mridha", "Bhuiya",
)  # fmt: skip
_MUSLIM_GIVEN = (
    "Rehana", "Sabina", "Nasima", "Salma", "Rokeya", "Ayesha", "Farida", "Sahana", "Sahida",
    "Jesmin", "Rubina", "Hasina", "Mumtaz", "Najma", "Parvin", "Taslima", "Marjina", "Amina",
)  # fmt: skip
_MUSLIM_FAMILY = ("Bibi", "Khatun", "Molla", "Sheikh", "Gazi", "Laskar", "Sk", "Mondal")
_BOYS_GIVEN = ("Rahul", "Sujoy", "Bapi", "Raju", "Arif", "Imran", "Sourav", "Rakib")
_GUARDIAN_GIVEN = ("Sabita", "Kalpana", "Minati", "Anjana", "Sakina", "Jahanara", "Gita", "Arati")
_MALE_RELATIVE_GIVEN = ("Haru", "Gopal", "Nitai", "Rafiq", "Kartik", "Jamal", "Bablu", "Tapan")

STAFF = (
    # key, role, full name (family names outside the survivors' lists), organisation, districts
    ("manager", "program_manager", "Mitali Sen (demo)", "lead", ("s24p", "n24p")),
    ("sw.s24p.1", "social_worker", "Shampa Chakraborty (demo)", "lead", ("s24p",)),
    ("sw.s24p.2", "social_worker", "Rehana Parveen (demo)", "lead", ("s24p",)),
    ("sw.n24p.1", "social_worker", "Jhuma Dutta (demo)", "lead", ("n24p",)),
    ("sw.n24p.2", "social_worker", "Sabina Yasmin (demo)", "lead", ("n24p",)),
    ("leader.s24p", "survivor_leader", "Asha Adhikari (demo)", "lead", ("s24p",)),
    ("leader.n24p", "survivor_leader", "Nasima Sultana (demo)", "lead", ("n24p",)),
    ("analyst", "analyst", "Kakoli Ghosh (demo)", "lead", ()),
    ("auditor", "auditor", "Dipankar Roy (demo)", "lead", ()),
    ("admin", "platform_admin", "Platform administrator (demo)", "lead", ()),
    ("partner.manager", "program_manager", "Sulekha Banerjee (demo)", "partner", ("n24p",)),
    ("partner.staff", "partner_staff", "Taslima Begum (demo)", "partner", ("n24p",)),
)


def survivor_name(rng: random.Random, boy: bool) -> tuple[str, str]:
    """A plausible (given, family) name from the districts' common names."""
    if boy:
        given = rng.choice(_BOYS_GIVEN)
        family = rng.choice(_HINDU_FAMILY + _MUSLIM_FAMILY)
        return given, family
    if rng.random() < 0.3:
        return rng.choice(_MUSLIM_GIVEN), rng.choice(_MUSLIM_FAMILY)
    return rng.choice(_HINDU_GIVEN), rng.choice(_HINDU_FAMILY)


def guardian_name(rng: random.Random, family: str) -> str:
    return f"{rng.choice(_GUARDIAN_GIVEN)} {family}"


def male_relative_name(rng: random.Random, family: str) -> str:
    return f"{rng.choice(_MALE_RELATIVE_GIVEN)} {family}"


def village(rng: random.Random) -> str:
    prefix = rng.choice(_VILLAGE_PREFIXES)
    return f"{prefix} {rng.choice(_VILLAGE_BASES)}".strip()


def fake_phone(number: int, kind: int = 0) -> str:
    """A phone in the ``+91 10`` range, which no Indian subscriber number uses."""
    return f"+91 10{kind:02d}{number // 10000 % 100:02d} {number % 10000:04d}"


def fake_document_number(rng: random.Random) -> str:
    """An Aadhaar-shaped number starting with 0: no real Aadhaar number does."""
    return f"0{rng.randrange(1000):03d} {rng.randrange(10000):04d} {rng.randrange(10000):04d}"


# -- what the field writes ------------------------------------------------------------------
DESTINATIONS = (
    ("Maharashtra", "a bar in Mumbai"),
    ("Maharashtra", "a brothel in Pune"),
    ("Delhi", "a placement agency's flat in Delhi"),
    ("Karnataka", "a spa in Bengaluru"),
    ("Gujarat", "a garment unit in Surat"),
    ("Uttar Pradesh", "a household in Agra"),
    ("Telangana", "a brick kiln near Hyderabad"),
    ("West Bengal", "a hotel in Kolkata"),
    ("Rajasthan", "a marriage in a village near Alwar"),
)
# Texts about a survivor name her with placeholders that ``told`` fills after her record's sex:
# a boy's case story says "he", not "she".
_PRONOUNS = {
    "female": {
        "she": "she",
        "She": "She",
        "her": "her",
        "Her": "Her",
        "him": "her",
        "daughter": "daughter",
    },
    "male": {
        "she": "he",
        "She": "He",
        "her": "his",
        "Her": "His",
        "him": "him",
        "daughter": "younger sister",
    },
}


def told(text: str, sex: str) -> str:
    """``text`` (one of the phrases below) about a survivor of ``sex`` ("female", "male")."""
    return text.format_map(_PRONOUNS["male" if sex == "male" else "female"])


RECRUITMENT_STORIES = {
    "job_offer": "a neighbour's acquaintance promised work as a domestic help",
    "marriage_offer": "a man {she} met at a fair promised marriage",
    "abduction": "{she} was taken from the bus stand on {her} way to a tuition class",
    "family_member": "a relative took {him} for 'work' after {her} father fell ill",
    "acquaintance": "a woman from the next para offered {him} a job in a beauty parlour",
    "online_contact": "a man {she} met on social media asked {him} to come to the city",
    "debt": "the family owed money to a labour contractor who took {him} to pay it off",
    "other": "{she} left home after a quarrel and was approached at the station",
}
RESCUERS = (
    "rescued in a raid by the anti-human-trafficking unit",
    "rescued after {she} called {her} sister from a borrowed phone",
    "found by the railway police and placed in a shelter home",
    "identified by a survivor leader who alerted the police",
)
REASONS = {
    "assessment": (
        "Intake complete; {she} agreed to the assessment.",
        "{She} is settled at home and ready to talk about {her} needs.",
    ),
    "planning": (
        "Assessment done; {she} named {her} priorities.",
        "Baseline assessments recorded; time to plan with {him}.",
    ),
    "active": (
        "{She} agreed to {her} plan in front of {her} mother.",
        "Plan agreed; referrals and follow-up start.",
    ),
    "monitoring": (
        "Most goals under way; monthly follow-up from now.",
        "Stable at home and earning: moved to monitoring.",
    ),
    "closed": (
        "Closed after a review with {him}.",
        "Closed with the program manager's agreement.",
    ),
    "reopened": (
        "{She} contacted the survivor leader again: threats from the accused's family.",
        "A new job offer in the city worries {her} family: reopened for support.",
    ),
}
GOALS = {
    "health": (
        "Get treatment for the pain in my stomach at the block hospital",
        "Go to counselling every fortnight until I sleep well",
        "Get a Swasthya Sathi card for my family",
    ),
    "education": (
        "Finish class 10 through the open school",
        "Learn to read and write Bengali properly",
        "Get my {daughter} admitted to the village school",
    ),
    "livelihood": (
        "Run a tailoring unit from home",
        "Start a small poultry unit",
        "Get a job at a garment unit near home",
        "Open a bank account in my own name",
    ),
    "social": (
        "Live with my mother and {daughter} again",
        "Be welcome at the village festivals again",
        "Settle the quarrel with my in-laws through the panchayat",
    ),
    "empowerment": (
        "Join the self-help group in my para",
        "Speak at the survivor leaders' meeting",
        "Get my voter card and vote",
    ),
}
ACTIONS = (
    "Visit the block office with the social worker",
    "Collect the documents needed",
    "Attend the first session",
    "Talk it over with {her} mother",
    "Fill in the application form",
)
FINDINGS = (
    "Safe at home; {her} mother is supportive. Asked about the tailoring course.",
    "{She} was tired and spoke little; neighbours have been gossiping again.",
    "Attended the SHG meeting; saving ten rupees a week.",
    "{Her} brother-in-law came by twice; {she} wants to stay with {her} aunt for a while.",
    "Going to the hospital for {her} check-up; medicines bought with the allowance.",
    "Happy about {her} {daughter}'s school admission; wants to work near home.",
    "Phone call: all well, will come to the office next week.",
)
NOTES = (
    "Met {her} mother; the family is ready to have {him} back home.",
    "Accompanied {him} to the police station for {her} statement; {she} was calm.",
    "Discussed the compensation application; documents still missing.",
    "Spoke to the panchayat member about the rumours in the para.",
    "{She} asked not to be called in the evening: the family is at home then.",
)
COUNSELLING_NOTES = (
    "Counselling session: sleeps better, nightmares less often.",
    "Counselling session: spoke about the months away for the first time.",
    "Counselling session: anxious about the court date; practised grounding.",
)
HEARING_OUTCOMES = (
    "{Her} statement recorded in camera; the accused's bail opposed.",
    "Hearing adjourned; the investigating officer was absent.",
    "Charges framed against two accused.",
    "Cross-examination of the survivor; the support person was present.",
)
DROP_REASONS = (
    "{She} chose to study instead.",
    "{She} moved in with {her} aunt in another block.",
)
