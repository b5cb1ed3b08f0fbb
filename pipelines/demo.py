"""Generate the SYNTHETIC demo corpus: fictional outlets, written by framewatch.

``make demo`` must work on a fresh machine with no download, so the repository ships this
generator instead of real news. Every outlet, person and event in its output is invented;
only place names (Ukraine, Kyiv, Pyongyang, NATO, Taiwan, Gaza, Tehran, ...) are real, so that
keyword topic definitions match. The README written next to the corpus says so.

The outlets have different, known habits, so the dashboard has something to reveal:

* **Northgate Wire** (wire agency) rarely uses loaded words in its own voice but quotes and
  reports officials who do.
* **Westmark Broadcasting Corporation** (public broadcaster) uses little loaded wording,
  mostly attributed.
* **Voice of the Fatherland** (state outlet) uses pejorative and delegitimising labels in its
  own voice ("imperialists", "puppet regime", "war games", "warmongers").
* **Eastern Star Daily** (state outlet) uses euphemism and glorifying words in its own voice
  ("special military operation", "liberated", "heroic", "invincible"), with a marked rise
  after the fictional Kessel Strait incident (:data:`EVENT_NAME`) around month 10.
* **Meridian Herald** (commercial) uses scare quotes (‘regime’, “elections”) and
  doubt-casting ("so-called", "baseless allegations", "fake news") in its own voice. A
  scare-quoted term is a short direct quotation, so its ground-truth voice is ``quoted``.
* **Capital Ledger** (commercial broadsheet) sits in the middle: some own-voice wording,
  more quoted and attributed.
* **Riverside Post** (small outlet) publishes little and has one whole month with no
  articles: a collection gap the dashboard must show as a gap, not a zero.

Each outlet also takes **frame angles** (:data:`_FRAME_SENTENCES`): on some international stories
it writes two to four sentences of one Policy Frame in its own voice, so every frame of the frame
lexicon (``data/frames/frames.csv``) is used and the Frames page shows outlets that differ: Voice
of the Fatherland leans on morality, fairness and legality, Eastern Star Daily on cultural identity
and morality, Northgate Wire on crime, legality and health, Westmark Broadcasting on health and
public opinion, Meridian Herald on crime, public opinion and politics.

Some stories are **republished** (:data:`_REPUBLICATION`), so the Republication page has
clusters, flows and lags: Capital Ledger and Riverside Post run Northgate Wire stories
(verbatim, with a footer, or with the dateline cut and a credit line) and Voice of the
Fatherland runs Eastern Star Daily's text, 1 to 30 hours after the original. A copy carries the
original's planted terms, and the ground truth lists them under the copy's id too.

Besides the eight international topics there are local stories (weather, sports, culture in
five fictional towns): short briefs in words of their own, so that topic discovery (the
dashboard's NMF) finds each of the eleven topics at 11 proposals, and at its default of 8 joins
the nuclear talks with Iran's inspections and the three local topics into one, rather than
proposing topics of place names (the generic sentences name no place).

Every loaded term is planted by the generator from templates that contain no other lexicon
term, so the ground-truth file (one record per planted occurrence, with the voice a careful
reader would give it) is exact. Only the longest term is recorded where terms nest
("puppet regime", not "puppet" and "regime").
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

__all__ = ["DemoCorpus", "generate_demo_corpus", "DEMO_OUTLETS", "DEMO_TERMS", "EVENT_NAME"]

EVENT_NAME = "the Kessel Strait incident"
"""The fictional event after which Eastern Star Daily's own-voice loaded wording rises."""

VOICES = ("outlet", "quoted", "attributed")


@dataclass(frozen=True)
class DemoCorpus:
    """Where a generated demo corpus was written.

    Attributes
    ----------
    articles_path : Path
        JSONL, one article per line: ``id``, ``outlet``, ``published``, ``title``, ``body``,
        ``url``, ``synthetic``.
    outlets_path : Path
        Outlet registry YAML (the ``data/outlets.yaml`` format) for the fictional outlets.
    truth_path : Path
        JSONL, one record per planted loaded-term occurrence: ``id``, ``term`` (canonical, as
        in the lexicon), ``voice`` (``outlet``, ``quoted`` or ``attributed``).
    readme_path : Path
        ``README.txt`` saying the corpus is synthetic, with the seed and counts.
    n_articles : int
        Number of articles written.
    """

    articles_path: Path
    outlets_path: Path
    truth_path: Path
    readme_path: Path
    n_articles: int


# --------------------------------------------------------------------------------------------
# Outlets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outlet:
    name: str
    slug: str
    prefix: str
    kind: str                      # wire, broadcaster, state_pejorative, state_glorifying, ...
    utc_offset_minutes: int        # 0 with zulu=True is written "Z"
    zulu: bool
    share: float                   # share of all articles
    plants: float                  # mean planted terms per topical article
    plants_after_event: float      # same, after the event (differs for Eastern Star Daily)
    voice_weights: tuple[float, float, float]   # outlet, quoted, attributed
    term_weights: dict             # term -> weight; terms not listed get weight `other_weight`
    other_weight: float
    topic_weights: dict            # topic -> weight
    curly: float                   # probability of curly rather than straight quotation marks
    note: str
    gap_month: bool = False
    frame_angles: dict = field(default_factory=dict)   # frame -> probability per international article


_INTL = ("ukraine", "north_korea", "sanctions", "nato", "nuclear", "china_taiwan",
         "middle_east", "iran")
_LOCAL = ("weather", "sports", "culture")


def _topics(local: float, **weights: float) -> dict:
    out = {t: 1.0 for t in _INTL}
    out.update(weights)
    for t in _LOCAL:
        out[t] = local
    return out


DEMO_OUTLETS: tuple[_Outlet, ...] = (
    _Outlet(
        name="Northgate Wire", slug="northgate-wire", prefix="ng", kind="wire",
        utc_offset_minutes=0, zulu=True, share=0.22, plants=1.3, plants_after_event=1.3,
        voice_weights=(0.04, 0.56, 0.40), term_weights={}, other_weight=1.0,
        topic_weights=_topics(0.35), curly=0.5,
        note="synthetic wire agency: loaded words mostly in quotes and reported speech",
        frame_angles={"crime_punishment": 0.14, "legality": 0.10, "health_safety": 0.10,
                      "capacity_resources": 0.08, "public_opinion": 0.05, "political": 0.05},
    ),
    _Outlet(
        name="Westmark Broadcasting Corporation", slug="westmark-broadcasting", prefix="wbc",
        kind="broadcaster", utc_offset_minutes=60, zulu=False, share=0.15, plants=0.45,
        plants_after_event=0.45, voice_weights=(0.08, 0.27, 0.65),
        term_weights={"rogue state": 2, "aggression": 2, "terrorists": 2, "regime": 2,
                      "nuclear blackmail": 2, "saber-rattling": 1.5, "genocide": 1.5},
        other_weight=0.6, topic_weights=_topics(0.8), curly=1.0,
        note="synthetic public broadcaster: little loaded wording, mostly attributed",
        frame_angles={"health_safety": 0.16, "public_opinion": 0.14, "fairness_equality": 0.06,
                      "capacity_resources": 0.08, "crime_punishment": 0.05, "cultural_identity": 0.04},
    ),
    _Outlet(
        name="Voice of the Fatherland", slug="voice-of-the-fatherland", prefix="vf",
        kind="state_pejorative", utc_offset_minutes=540, zulu=False, share=0.17, plants=4.0,
        plants_after_event=4.0, voice_weights=(0.82, 0.10, 0.08),
        term_weights={"imperialists": 4, "imperialists' lackeys": 2, "hegemonic policy": 2.5,
                      "hegemonism": 1.5, "puppet regime": 3.5, "puppet": 1, "regime": 1,
                      "war games": 3.5, "warmongers": 2.5, "gangsters": 1, "traitors": 1,
                      "war maniacs": 2.5, "lackeys": 1, "stooges": 1, "aggression": 1.5,
                      "provocation": 2, "hostile forces": 1.5, "nuclear blackmail": 0.5,
                      "Kyiv regime": 1, "colour revolution": 0.5, "orchestrated by": 0.5,
                      "reunification": 1},
        other_weight=0.0, topic_weights=_topics(0.25, north_korea=3.0, nato=1.5, nuclear=1.5),
        curly=0.0,
        note="synthetic state outlet: pejorative and delegitimising labels in its own voice",
        frame_angles={"morality": 0.24, "fairness_equality": 0.16, "legality": 0.16,
                      "cultural_identity": 0.10},
    ),
    _Outlet(
        name="Eastern Star Daily", slug="eastern-star-daily", prefix="esd",
        kind="state_glorifying", utc_offset_minutes=180, zulu=False, share=0.17, plants=1.4,
        plants_after_event=5.0, voice_weights=(0.80, 0.12, 0.08),
        term_weights={"special military operation": 4, "liberated": 3.5, "heroic": 3.5,
                      "invincible": 2.5, "martyrs": 1, "reunification": 2,
                      "collateral damage": 1, "Kyiv regime": 1.5, "neo-Nazis": 1.5,
                      "hostile forces": 0.7, "colour revolution": 0.5},
        other_weight=0.0, topic_weights=_topics(0.25, ukraine=4.0, china_taiwan=1.5),
        curly=1.0,
        note="synthetic state outlet: euphemism and glorifying words in its own voice, "
             "rising after the fictional Kessel Strait incident",
        frame_angles={"cultural_identity": 0.22, "morality": 0.12, "capacity_resources": 0.08,
                      "public_opinion": 0.04},
    ),
    _Outlet(
        name="Meridian Herald", slug="meridian-herald", prefix="mh", kind="commercial_doubt",
        utc_offset_minutes=-300, zulu=False, share=0.14, plants=2.0, plants_after_event=2.0,
        voice_weights=(0.72, 0.14, 0.14),
        term_weights={"so-called": 4, "regime": 4, "baseless allegations": 2.5,
                      "fake news": 2.5, "smear campaign": 1.5, "orchestrated by": 1,
                      "rogue state": 1, "axis of evil": 0.5, "saber-rattling": 1,
                      "terrorists": 1, "orcs": 0.3},
        other_weight=0.0, topic_weights=_topics(0.6), curly=0.85,
        note="synthetic commercial outlet: scare quotes and doubt-casting in its own voice",
        frame_angles={"crime_punishment": 0.12, "public_opinion": 0.10, "political": 0.08,
                      "morality": 0.05},
    ),
    _Outlet(
        name="Capital Ledger", slug="capital-ledger", prefix="cl", kind="broadsheet",
        utc_offset_minutes=120, zulu=False, share=0.11, plants=1.0, plants_after_event=1.0,
        voice_weights=(0.25, 0.35, 0.40), term_weights={}, other_weight=1.0,
        topic_weights=_topics(0.5), curly=0.7,
        note="synthetic commercial broadsheet: some own-voice wording, more quoted",
        frame_angles={"legality": 0.10, "fairness_equality": 0.08, "crime_punishment": 0.06,
                      "health_safety": 0.06, "political": 0.05},
    ),
    _Outlet(
        name="Riverside Post", slug="riverside-post", prefix="rp", kind="small",
        utc_offset_minutes=0, zulu=False, share=0.04, plants=0.6, plants_after_event=0.6,
        voice_weights=(0.30, 0.30, 0.40), term_weights={}, other_weight=1.0,
        topic_weights=_topics(1.5), curly=0.3, gap_month=True,
        note="synthetic small outlet: low volume, one month with no articles (collection gap)",
        frame_angles={"health_safety": 0.12, "public_opinion": 0.12, "cultural_identity": 0.06},
    ),
)

# --------------------------------------------------------------------------------------------
# Topics: places and filler sentences (none may contain a lexicon term). A filler entry that is
# a tuple is one slot written one of several ways, so a country that only that slot names (Japan
# in the North Korea stories) is not shown in the same sentence in every article.
# --------------------------------------------------------------------------------------------

_TOPICS: dict[str, dict] = {
    "ukraine": dict(
        places=["Kyiv", "Kharkiv", "Odesa", "Zaporizhzhia", "Dnipro", "the Donbas"],
        seats=["Kyiv", "Moscow"], actors=["Moscow", "Kyiv", "the West"],
        titles=["Fighting intensifies near {place} as winter approaches",
                "Drone strikes hit power grid around {place}",
                "Ukraine talks stall over prisoner exchange",
                "New air defence systems arrive in Ukraine",
                "Shelling reported on outskirts of {place}",
                "Envoys meet to discuss grain corridor from Odesa"],
        lead=["Fighting in eastern Ukraine continued on {day}, with shelling reported near "
              "{place}.",
              "Officials in Kyiv said {n} drones were launched overnight towards {place}.",
              "The war in Ukraine entered a new phase this week as both sides moved troops "
              "towards {place}."],
        filler=["Air-raid sirens sounded across Kyiv for almost {n} minutes before dawn.",
                "Repair crews worked through the night to restore power to {n},000 homes "
                "around {place}.",
                "The front line near {place} has barely moved since the spring.",
                "Grain shipments from Odesa resumed after a pause of {n} days.",
                "Ukraine's energy ministry said rolling blackouts would continue into next "
                "week.",
                "Residents of {place} queued for water as temperatures fell to\u00a0-{n}\u00b0C.",
                "Russian forces have concentrated artillery along {n}0\u00a0km of the front.",
                "Prisoner exchanges between Russia and Ukraine have slowed since the summer.",
                "Western partners have pledged new air defence systems for Kyiv.",
                "The mayor of Kharkiv urged families with children to leave the city."],
    ),
    "north_korea": dict(
        places=["Pyongyang", "the Korean Peninsula", "the Yellow Sea", "Wonsan",
                "the demilitarised zone"],
        seats=["Pyongyang", "Seoul"], actors=["Washington", "Seoul", "Pyongyang"],
        titles=["North Korea fires missile into the sea off {place}",
                "Seoul and Washington announce joint drills",
                "Pyongyang marks party anniversary with parade",
                "Satellite launch from North Korea fails, officials say",
                "Talks on the Korean Peninsula remain frozen"],
        lead=["North Korea launched a ballistic missile towards the sea off {place} on {day}, "
              "according to military officials in Seoul.",
              "Pyongyang held a mass rally on {day} to mark the anniversary of the ruling "
              "party.",
              "Tension on the Korean Peninsula rose again this week after drills near "
              "{place}."],
        filler=["The missile flew about {n}0\u00a0km before falling into the sea.",
                ("Japan's coast guard issued a warning to ships in the area.",
                 "Tokyo convened its national security council within an hour of the launch.",
                 "Trains in northern Japan were halted for {n} minutes as a precaution.",
                 "Japanese destroyers tracked the missile until it fell into the sea.",
                 "Japan and South Korea agreed on {day} to share missile-warning data in real "
                 "time."),
                "North Korea has tested more than {n} missiles this year.",
                ("South Korean and US forces hold exercises several times a year.",
                 "Seoul and Washington have expanded their joint training since last year.",
                 "About {n}0,000 US troops are stationed in South Korea."),
                "State television in Pyongyang showed crowds filling the main square.",
                "Analysts say the launch was timed to coincide with the drills near {place}.",
                "Diplomatic contacts with Pyongyang have been frozen for {n} years.",
                ("The United Nations Security Council is expected to discuss the launch.",
                 "Diplomats at the United Nations began drafting a statement on the launch.",
                 "The UN Security Council last met on the peninsula {n} weeks ago.")],
    ),
    "sanctions": dict(
        places=["Brussels", "Washington", "Moscow", "Geneva"],
        seats=["Moscow", "Tehran", "Pyongyang"], actors=["Washington", "Brussels", "the West"],
        titles=["New sanctions package targets shipping and banks",
                "Sanctions on oil exports tightened, ministers say",
                "Brussels agrees {n}th round of sanctions",
                "Companies warn over cost of sanctions compliance"],
        lead=["The European Union agreed a new package of sanctions on {day}, diplomats in "
              "Brussels said.",
              "Washington added {n} companies to its sanctions list on {day}.",
              "Finance ministers meeting in {place} discussed how to close loopholes in "
              "existing sanctions."],
        filler=["The package freezes the assets of {n} individuals and {n}0 companies.",
                "Exporters say the new rules will take months to apply.",
                "Sanctions on the shipping sector are aimed at cutting oil revenue.",
                "Some member states asked for exemptions for fertiliser and food.",
                "Trade through third countries has grown by {n}0\u00a0% since the rules began.",
                "Banks have been told to tighten checks on transfers to {place}.",
                "The measures come into force on the first day of next month.",
                ("Japan joined the measures on {day} with curbs of its own on exports of "
                 "machine tools.",
                 "Canada and Australia are expected to adopt the same list within days.",
                 "Switzerland and Norway usually follow such packages within weeks."),
                "Economists disagree about how much the sanctions have cost Moscow."],
    ),
    "nato": dict(
        places=["Brussels", "the Baltic Sea", "Poland", "Vilnius", "Romania"],
        seats=["Moscow", "Minsk"], actors=["NATO", "the alliance", "Washington"],
        titles=["NATO ministers meet in Brussels", "Alliance boosts presence near {place}",
                "NATO summit agrees new spending target",
                "Exercises begin across the Baltic region"],
        lead=["NATO defence ministers met in Brussels on {day} to discuss forces on the "
              "eastern flank.",
              "The alliance announced on {day} that it would move {n},000 troops to {place}.",
              "NATO members agreed to raise military spending at a meeting in {place}."],
        filler=["Members have pledged to spend at least {n}\u00a0% of output on defence.",
                "The alliance has {n}2 members after its most recent enlargement.",
                "Air policing flights over the Baltic Sea have doubled this year.",
                "The secretary-general is due to visit {place} next month.",
                "A new headquarters will coordinate logistics across the eastern flank.",
                "Ministers also discussed ammunition production and supply chains.",
                "The exercise will involve ships, aircraft and about {n},000 personnel."],
    ),
    "nuclear": dict(
        places=["Vienna", "Geneva", "New York", "Oslo"],
        seats=["Pyongyang", "Tehran", "Moscow"], actors=["Washington", "Moscow", "Pyongyang"],
        titles=["Arms control talks resume in {place}", "Nuclear watchdog reports to board",
                "Treaty review conference opens", "Warhead numbers rising, study finds"],
        lead=["Diplomats gathered in {place} on {day} for talks on nuclear arms control.",
              "The UN nuclear watchdog said on {day} that inspectors had been denied access "
              "to a site.",
              "A new study published on {day} estimated the world's stock of nuclear "
              "warheads at about 12,{n}00."],
        filler=["Inspectors have not visited the site for {n} months.",
                "The last major arms control treaty expires in {n} years.",
                "Nuclear powers have modernised their arsenals over the past decade.",
                "Delegates in {place} agreed to meet again in the autumn.",
                "The watchdog's board meets four times a year in Vienna.",
                "Experts warn that testing could resume if talks fail."],
    ),
    "china_taiwan": dict(
        places=["Taiwan", "the Taiwan Strait", "Taipei", "Beijing", "the South China Sea"],
        seats=["Taipei", "Beijing"], actors=["Beijing", "Taipei", "Washington"],
        titles=["Warships shadow each other in the Taiwan Strait",
                "Taiwan reports aircraft near its air defence zone",
                "Beijing and Washington hold trade talks",
                "Taipei hosts delegation amid rising tension"],
        lead=["Taiwan's defence ministry said on {day} that {n}0 aircraft had crossed the "
              "median line of the Taiwan Strait.",
              "China and the United States held talks in {place} on {day}.",
              "Ships were tracked near {place} on {day}, officials in Taipei said."],
        filler=["Taiwan scrambled jets and activated missile systems in response.",
                "Shipping through the Taiwan Strait carries a large share of world trade.",
                "Beijing regards Taiwan as part of its territory.",
                "The island holds regular civil defence drills in the spring.",
                "Chip exports from Taiwan rose by {n}\u00a0% last quarter.",
                ("Washington and Beijing agreed to keep their military hotline open.",
                 "US and Chinese officials are due to meet again in Geneva next month.",
                 "Chinese exports to the United States fell by {n}\u00a0% last quarter."),
                ("Japan has moved troops and missile batteries to its islands closest to Taiwan.",
                 "Tokyo follows events in the strait closely, since its own shipping lanes run "
                 "through it.",
                 "The Philippines has stepped up coast guard patrols in the waters to the south."),
                "A delegation of lawmakers arrived in Taipei on {day}.",
                "Coast guard vessels patrolled waters near {place} for {n} days."],
    ),
    "middle_east": dict(
        places=["Gaza", "Rafah", "the West Bank", "Jerusalem", "Khan Younis"],
        seats=["Gaza", "Jerusalem"], actors=["Israel", "Hamas", "the mediators"],
        titles=["Aid convoys wait at Gaza crossing", "Ceasefire talks resume in Cairo",
                "Hospitals in Gaza short of fuel, agencies say",
                "Mediators propose new hostage deal"],
        lead=["Aid trucks queued at the crossing into Gaza on {day} as talks on a ceasefire "
              "continued in Cairo.",
              "Strikes were reported near {place} on {day}, local health officials said.",
              "Mediators from Egypt and Qatar presented a new proposal for Gaza on {day}."],
        filler=["Only {n}0 trucks crossed into Gaza on the previous day.",
                "Aid agencies say fuel shortages have closed several hospitals.",
                "Families in {place} have been displaced several times since the war began.",
                "The proposal includes a phased exchange of hostages and prisoners.",
                "Talks in Cairo are expected to continue for {n} more days.",
                ("The humanitarian situation in {place} has worsened, the UN said.",
                 "A UN convoy reached {place} for the first time in {n} weeks.",
                 "UN staff in {place} have had no fuel deliveries since {day}."),
                "Negotiators have met in Doha and Cairo in recent weeks."],
    ),
    "iran": dict(
        places=["Tehran", "the Strait of Hormuz", "Isfahan", "the Gulf"],
        seats=["Tehran", "Washington"], actors=["Tehran", "Washington", "Israel"],
        titles=["Iran expands enrichment, inspectors say",
                "Tanker seized near the Strait of Hormuz",
                "Tehran and Washington exchange messages through Oman",
                "Oil prices climb on Gulf shipping fears"],
        lead=["Iran has expanded uranium enrichment at a plant near {place}, inspectors "
              "reported on {day}.",
              "A tanker was boarded near the Strait of Hormuz on {day}, maritime officials "
              "said.",
              "Officials in Tehran said on {day} that talks through Oman would continue."],
        filler=["Oil prices rose by {n}\u00a0% after the news.",
                "Iran says its nuclear programme is peaceful.",
                "About a fifth of the world's oil passes through the Strait of Hormuz.",
                "Oman has carried messages between Tehran and Washington for years.",
                "The currency fell to a record low in {place} markets.",
                "Inspectors last visited the plant near Isfahan {n} weeks ago."],
    ),
    "weather": dict(
        places=["Harwick", "Lindenport", "the Marsh Valley", "Oakridge", "Fennel Bay"],
        titles=["Storm brings heavy rain to {place}", "Heatwave expected to last until Sunday",
                "Frost warning issued for {place}", "Floods close roads around {place}"],
        lead=["Heavy rain swept across {place} on {day}, flooding several roads.",
              "Forecasters issued a frost warning for {place} on {day}.",
              "Temperatures reached {n}1\u00b0C in {place} on {day}, the highest this year."],
        filler=["Up to {n}0\u00a0mm of rain fell in some areas overnight.",
                "Schools in {place} opened two hours late.",
                "Residents were advised to check on elderly neighbours.",
                "Farmers said the dry spell had hurt the early harvest.",
                "The weather service expects conditions to ease by the weekend.",
                "Council crews cleared fallen trees from {n} roads."],
    ),
    "sports": dict(
        places=["Harwick", "Lindenport", "Oakridge", "Fennel Bay", "Stonebury"],
        titles=["{place} United win derby in stoppage time", "Local runner sets course record",
                "Cup final tickets sell out in hours", "Coach signs new three-year contract"],
        lead=["{place} United won the derby 2\u20131 on {day} with a goal in stoppage time.",
              "A local runner set a course record at the {place} marathon on {day}.",
              "Tickets for the cup final in {place} sold out within {n} hours."],
        filler=["The crowd of {n},400 was the largest of the season.",
                "The coach praised his players for their patience.",
                "The club's youth academy produced three of the starting eleven.",
                "The next home match is on {day} evening.",
                "The winning time was {n} seconds faster than last year.",
                "Supporters gathered outside the stadium long after the whistle."],
    ),
    "culture": dict(
        places=["Harwick", "Lindenport", "Oakridge", "Stonebury", "the Old Town"],
        titles=["Museum reopens after renovation", "Film festival opens in {place}",
                "Orchestra announces new season", "Library celebrates its centenary"],
        lead=["The {place} museum reopened on {day} after a two-year renovation.",
              "The annual film festival opened in {place} on {day} with {n}0 premieres.",
              "The city orchestra in {place} announced its new season on {day}."],
        filler=["Admission will be free on the first Sunday of every month.",
                "The programme includes works by {n} young composers.",
                "Volunteers restored more than {n}00 books for the collection.",
                "Visitors can book guided tours online or at the door.",
                "The festival runs until {day} and ends with an open-air screening.",
                "Critics praised the new gallery\u2019s lighting and layout."],
    ),
}

# The generic sentences below go into every outlet's international stories, so they hold no
# frame-lexicon term (data/frames/frames.csv): frames come from the topic's and the outlet's own
# sentences, and the Frames page shows outlets that differ. They name no place either (nor do
# _SUBJECTS and _PREDICATES): filled with the topic's places, they named the same four or five
# places once every 30 words or so, and topic discovery (NMF over TF-IDF) then proposed topics
# of place names, the first one a catch-all of the nuclear talks' cities and the local towns.
_GENERIC_FILLER = [
    "Officials did not respond to a request for comment by {day} evening.",
    "The meeting lasted about {n} hours, according to a schedule seen by reporters.",
    "Another meeting is planned for next month.",
    "The statement was published on the ministry's website late on {day}.",
    "Traffic in the region was little changed by the news.",
    "Details of the plan have not been made public.",
    "The announcement came {n} days after a similar statement.",
    "The two sides remain far apart on key issues.",
    "It was not possible to verify the figures independently.",
    "The next round of consultations is expected before the end of the year.",
]

_OPENERS = ["Earlier in the week", "On {day}", "Late on {day}", "By midday on {day}",
            "In recent days", "Over the weekend", "For now", "As of {day}", "Last month",
            "Within hours", "At the same time", "Separately", "Until now"]
_SUBJECTS = ["officials", "local authorities", "the ministry", "aid workers",
             "analysts at two firms", "people in the area", "officials in the capital", "the regional office",
             "a review committee", "the statistics agency", "transport operators",
             "two local groups", "the statistics office", "event organisers",
             "several agencies", "the city council", "trade unions"]
_PREDICATES = ["met to review the latest figures",
               "published a new timetable for the meetings",
               "asked for more time to study the plan",
               "reported no major change in the situation",
               "released a short summary of the discussions",
               "postponed a planned trip",
               "called for calm and patience",
               "set up a working group to look at the costs",
               "said little about the next steps",
               "raised questions about the schedule for the coming year",
               "promised to publish more details within {n} days",
               "cancelled a press conference without explanation",
               "extended the deadline by {n} weeks",
               "warned of delays to rail and road traffic",
               "counted {n},{n}00 new applications for support",
               "moved the next meeting to another venue",
               "declined to give a figure for the total cost",
               "reopened an office that had been closed since the spring"]

_NEUTRAL_QUOTES = [  # quoted sentences without any lexicon term
    "We will continue to consult our partners",
    "Our position has not changed",
    "The door to talks remains open",
    "We are watching the situation very closely",
    "Our people expect results, not words",
    "Nobody wants this to get worse",
    "We have made our views clear to all sides",
    "This is a matter for the coming weeks",
]

_OUTLET_FILLER: dict[str, list[str]] = {
    "wire": ["The ministry confirmed the figures when contacted by Northgate Wire.",
             "Northgate Wire could not independently confirm the report."],
    "broadcaster": ["You can hear more on this story in our evening programme.",
                    "Our correspondent in {place} has been following the talks."],
    "state_pejorative": ["The people of the Fatherland stand firm and united.",
                         "Workers at factories across the country held meetings on {day}.",
                         "The nation will defend its sovereignty with all its strength."],
    "state_glorifying": ["Readers across the country sent letters of support to the troops.",
                         "Veterans gathered in the capital to lay flowers on {day}.",
                         "The nation\u2019s achievements speak for themselves."],
    "commercial_doubt": ["Our readers deserve the facts, not talking points.",
                         "The \u201celections\u201d held in {place} last spring offered voters no "
                         "real choice.",
                         "The official \u201cinvestigation\u201d has yet to publish a single "
                         "finding."],
    "broadsheet": ["The Capital Ledger\u2019s editorial board has called for a full "
                   "inquiry.",
                   "Our analysis of public records suggests the costs were higher."],
    "small": ["Riverside Post readers wrote in with their views on {day}.",
              "Local groups plan to discuss the issue at the town hall."],
}

# The plain counterparts of loaded words ("government", "military exercises", "invasion"), in
# the own voice of the outlets that do not use the loaded ones, so the word-choice page has a
# contrast to show. No sentence holds a lexicon term.
_PLAIN_KINDS = ("wire", "broadcaster", "broadsheet", "small", "commercial_doubt")
_PLAIN_WORDS: dict[str, list[str]] = {
    "ukraine": ["Since the invasion began, {n} million people have left the country.",
                "The invasion has forced families in {place} to move again and again.",
                "The government in Kyiv asked its partners for more air defence on {day}.",
                "The annexation of Crimea in 2014 still hangs over every round of talks."],
    "north_korea": ["The military exercises near {place} are due to last {n} days.",
                    "The government in Seoul said the joint military exercises were defensive."],
    "nato": ["The military exercises in {place} will involve about {n},000 personnel.",
             "Each member government must approve the new plans by the summer."],
    "china_taiwan": ["The government in Taipei said it was monitoring military exercises near {place}.",
                     "Military exercises around the island have grown larger each year."],
    "middle_east": ["Militants fired rockets towards {place} overnight.",
                    "The government in Jerusalem met on {day} to discuss the proposal."],
    "iran": ["The government in Tehran has not commented on the report."],
    "sanctions": ["The government in {seat} has not commented on the new measures."],
}

# Frame angles: a story told through one of the Policy Frames. An outlet takes an angle on an
# international story with the probability in its ``frame_angles``, and then writes 2 to 4 of
# the frame's sentences in its own voice (3 frame-lexicon tokens make an article use the frame,
# data/frames/frames.csv), so every frame of the lexicon occurs and the outlets differ. Each
# sentence holds at least one term of its frame, no loaded-wording term, no reporting cue and no
# quotation mark. A sentence is (topics it fits, register, template); "all" is every
# international topic.
_HURT = "ukraine middle_east"                 # topics with casualties, hospitals and rubble
_FRAME_SENTENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "morality": (
        ("all", "state", "There is no honour in threatening a smaller neighbour."),
        ("all", "state",
         "Every decent person can see the hypocrisy of those who lecture others on peace."),
        ("all", "state", "The moral choice is clear to anyone who looks at the facts."),
        ("all", "state", "It is a betrayal of the most basic duty a state owes its citizens."),
        ("all", "state", "Such cynical behaviour leaves a stain that no speech can wash away."),
        ("all", "state",
         "The dignity of ordinary families counts for nothing in the calculations of {actor}."),
        ("all", "state", "Our people answer this disgrace with calm and unity."),
        ("all", "state", "No nation with a conscience can stay silent."),
        ("all", "any",
         "Critics see hypocrisy in lecturing others on peace while selling them arms."),
        ("all", "any", "The affair raises hard ethical questions for the governments involved."),
        ("all", "any", "Voters may yet ask whether the deal was morally defensible."),
        (_HURT, "any", "Even in war there are limits that humanity must never cross."),
        (_HURT, "state", "The atrocities committed near {place} will not be forgiven."),
        (_HURT, "any",
         "The cruelty shown to the wounded near {place} shocked even hardened soldiers."),
    ),
    "fairness_equality": (
        ("all", "any",
         "The rules are applied selectively: what is forbidden to one country is allowed to its "
         "rivals."),
        ("all", "state",
         "Small nations deserve to sit at the table on an equal footing with the great powers."),
        ("all", "any", "Smaller countries were excluded from the talks once again."),
        ("all", "state", "Nobody should accept such an unfair deal."),
        ("all", "any", "Such discriminatory measures hit ordinary families hardest."),
        ("all", "any", "The whole process has been one-sided from the start."),
        ("all", "state", "A world order built on privilege for a few cannot last."),
        ("all", "state", "This injustice has gone on for far too long."),
        (_HURT, "any",
         "Aid groups have raised concerns about unequal access to food and shelter in {place}."),
        ("ukraine china_taiwan", "any",
         "Ethnic minorities in the border areas fear they will lose their rights as citizens."),
    ),
    "legality": (
        ("all", "any",
         "Under international law, the borders of a sovereign state cannot be changed by force."),
        ("all", "any", "Legal experts point out that the move breaches the UN Charter."),
        ("all", "any", "A court in {seat} is due to rule on the case next month."),
        ("all", "any",
         "The treaty obliges every party to respect the territorial integrity of its neighbours."),
        ("all", "any", "Judges have yet to decide whether the measures are lawful."),
        ("all", "any", "The constitution gives parliament the final word on such decisions."),
        ("all", "any", "The step was a clear violation of earlier commitments."),
        (_HURT, "any",
         "Lawyers for the victims have filed a case at the International Court of Justice."),
    ),
    "crime_punishment": (
        ("all", "any",
         "Police in {seat} arrested {n} people suspected of smuggling military parts."),
        ("ukraine middle_east sanctions iran", "any",
         "Prosecutors have opened an investigation into the sale of stolen fuel."),
        ("ukraine nato sanctions", "any",
         "A former defence official was sentenced to {n} years in prison for corruption in arms "
         "purchases."),
        ("sanctions iran north_korea", "any",
         "Investigators traced the money through shell companies in three countries."),
        ("all", "any",
         "Customs officers detained a cargo ship suspected of carrying banned goods."),
        ("all", "any", "Two suspects remain in custody."),
        ("sanctions iran north_korea", "any", "Two businessmen face trial for money laundering."),
        (_HURT, "any", "War crimes investigators visited {place} on {day}."),
        (_HURT, "any", "Looting followed the strikes in parts of {place}."),
    ),
    "health_safety": (
        ("all", "any", "Emergency services were placed on alert in {seat}."),
        ("ukraine middle_east sanctions iran", "any",
         "Shortages of medicines have grown worse over the winter."),
        ("ukraine middle_east sanctions", "any",
         "Doctors in {seat} are treating more patients with fewer staff."),
        ("all", "any",
         "Civil defence officials checked that shelters and first aid kits were ready."),
        (_HURT, "any", "Hospitals in {place} are treating dozens of injured people."),
        (_HURT, "any", "Rescuers searched the rubble for survivors through the night."),
        (_HURT, "any", "Aid agencies fear an outbreak of disease in crowded shelters."),
        (_HURT, "any", "The death toll rose to {n}0 overnight."),
        ("ukraine", "any",
         "The safety of the Zaporizhzhia nuclear power plant remains a concern for inspectors."),
        ("ukraine", "any",
         "Engineers restored a back-up power line to the Zaporizhzhia nuclear power plant on "
         "{day}."),
        ("iran", "any", "The nuclear power plant at Bushehr was shut for {n} days of repairs."),
        ("nuclear iran north_korea", "any", "Radiation monitors near the border showed no change."),
        ("nuclear iran", "any", "Inspectors checked safety systems at the nuclear power plant."),
    ),
    "capacity_resources": (
        ("all", "any", "Ammunition stockpiles are running out faster than they can be refilled."),
        ("all", "any", "The army faces a shortage of trained crews and spare parts."),
        ("all", "any", "Fuel and equipment are reaching the units only slowly."),
        ("all", "any", "The logistics of moving troops over such distances are daunting."),
        ("all", "any", "Funding for the programme will run out at the end of the year."),
        ("ukraine middle_east iran", "any", "Damaged infrastructure will take years to repair."),
        ("ukraine sanctions", "any", "Grain reserves are lower than at any time in a decade."),
        ("ukraine", "any", "Repair crews are short of cables and transformers for the power grid."),
    ),
    "cultural_identity": (
        ("all", "state", "The homeland was built by the sacrifices of our ancestors."),
        ("all", "state", "Our traditions and values have survived far greater trials."),
        ("all", "state",
         "Schools across the country marked the anniversary with lessons on national history."),
        ("all", "state", "The nation\u2019s heritage belongs to every generation."),
        ("all", "state", "Patriotic songs rang out at a concert in the capital on {day}."),
        ("all", "any", "Compatriots living abroad sent messages of support."),
        ("all", "any", "Religious leaders held joint prayers for peace in {seat}."),
        ("all", "any",
         "A folk festival in {seat} went ahead with music and dancing despite the tension."),
        ("ukraine china_taiwan", "any",
         "The dispute also touches on language and national identity."),
    ),
    "public_opinion": (
        ("all", "any", "A new opinion poll shows support for the talks falling."),
        ("all", "any", "Protesters gathered outside the parliament in {seat} on {day}."),
        ("all", "any", "Public anger over rising prices has grown for months."),
        ("all", "any",
         "A petition demanding an end to the conflict has gathered {n}0,000 signatures."),
        ("all", "any", "On social media, many users shared images of the damage."),
        ("all", "any", "Activists held a candlelit vigil in the city centre."),
        ("all", "any",
         "Most people surveyed last month wanted their country to stay out of the dispute."),
        ("all", "any", "The decision caused an uproar among ordinary citizens."),
    ),
    "political": (
        ("all", "any", "The opposition wants a vote in parliament before any deal is signed."),
        ("all", "any", "Lawmakers in {seat} are divided over the plan."),
        ("all", "any", "The issue is likely to dominate the election campaign."),
        ("all", "any", "The cabinet met in emergency session on {day}."),
        ("all", "any", "Several candidates have made the dispute part of their campaign."),
    ),
}
"""Frame -> (topics, register, sentence template) for the frame angles of ``_Outlet.frame_angles``;
register ``state`` sentences (the nation, our people, the homeland) are written by state outlets only."""

_SPEAKERS = [
    "Foreign Minister Arlen Voss", "Defence Secretary Maren Holt",
    "Senator Dana Whitlock", "Deputy Foreign Minister Ruslan Terekh",
    "Colonel Ivo Marek, a defence ministry spokesman",
    "a spokesperson for the Northgate defence ministry",
    "Information Minister Teodor Vasku", "General Bram Solovey",
    "foreign ministry spokeswoman Yara Kestel", "Ambassador Olin Pereth",
    "analyst Priya Halden of the Corvin Institute",
    "a senior official who asked not to be named", "Prime Minister Edda Marrow",
    "commentator Oleg Varnak", "Vice-Marshal Oren Dask",
]

# --------------------------------------------------------------------------------------------
# Loaded terms: where they fit and the clauses that carry them
# --------------------------------------------------------------------------------------------
# Each clause holds exactly one lexicon term, written "{T}". Clauses start lowercase and have
# no final punctuation, so they can follow "said that" or start a sentence. No clause ends
# with a word that begins a longer term ("imperialists", "puppet"), so terms never join across
# sentences.


@dataclass(frozen=True)
class _Term:
    topics: tuple[str, ...]
    clauses: tuple[str, ...]
    surfaces: tuple[str, ...]
    accuse: str | None = None      # "accused {actor} of <this>"
    dismiss: str | None = None     # "dismissed the report as <this>"


def _t(topics, clauses, surfaces=(), accuse=None, dismiss=None) -> _Term:
    topics = _INTL if topics == "all" else tuple(topics.split())
    return _Term(topics, tuple(clauses), tuple(surfaces), accuse, dismiss)


DEMO_TERMS: dict[str, _Term] = {
    "imperialists": _t("all", [
        "the {T} are dragging {place} toward a new war",
        "the {T} have never abandoned their plans for {place}",
        "the {T} and their allies are behind every crisis in {place}"]),
    "imperialists' lackeys": _t("all", [
        "the {T} in {place} repeat every order handed down to them",
        "the {T} will find no shelter anywhere"],
        surfaces=("imperialists\u2019 lackeys", "imperialists' lackeys")),
    "hegemonic policy": _t("all", [
        "the {T} of {actor} is the root cause of tension around {place}",
        "{actor} is pursuing a {T} that threatens every sovereign nation"]),
    "hegemonism": _t("all", [
        "{T} has no future in {place}",
        "the world will no longer bow to {T} from {actor}"], accuse="{T}"),
    "puppet regime": _t("ukraine north_korea china_taiwan nato", [
        "the {T} in {seat} takes its orders from abroad",
        "the {T} has once again shown its true face",
        "the days of the {T} are numbered"]),
    "puppet": _t("ukraine north_korea china_taiwan nato", [
        "the government in {seat} is a mere {T} of foreign capitals",
        "{seat} acts as a {T} on a string held in Washington"]),
    "regime": _t("all", [
        "the {T} in {seat} has lost all legitimacy",
        "the {T}\u2019s latest move only deepens the crisis",
        "nobody trusts the figures published by the {T} in {seat}"]),
    "war games": _t("north_korea nato china_taiwan nuclear", [
        "the {T} staged near {place} are a rehearsal for invasion",
        "the latest {T} around {place} raise the risk of a clash",
        "fresh {T} are planned near {place} next month"],
        surfaces=("war games", "war games", "war-games", "war\u00a0games")),
    "so-called": _t("all", [
        "the {T} peace plan from {actor} is a trap",
        "the {T} reform package in {place} changes nothing",
        "the {T} independent monitors never visited {place}"],
        surfaces=("so-called", "so-called", "so called")),
    "warmongers": _t("all", [
        "the {T} in {actor} want the conflict to last forever",
        "{T} are pushing {place} to the edge of war"]),
    "gangsters": _t("ukraine north_korea china_taiwan", [
        "the {T} who run {seat} will face justice",
        "the political {T} in {seat} steal from their own people"]),
    "traitors": _t("ukraine north_korea china_taiwan sanctions", [
        "the {T} who fled abroad are spreading lies about {place}",
        "the {T} will be judged by history"]),
    "special military operation": _t("ukraine", [
        "the {T} is proceeding as planned near {place}",
        "the goals of the {T} will be achieved in full",
        "volunteers from every region have joined the {T}"]),
    "terrorists": _t("middle_east iran ukraine", [
        "the {T} behind the attack near {place} will be hunted down",
        "the {T} have again targeted civilians around {place}"]),
    "reunification": _t("china_taiwan north_korea", [
        "{T} is an unstoppable historical trend",
        "the cause of national {T} cannot be delayed forever"]),
    "junta": _t("ukraine nato sanctions", [
        "the {T} in {seat} has postponed the vote once more",
        "the {T} rules by decree and fear"]),
    "aggression": _t("all", [
        "the {T} of {actor} against {place} must stop",
        "{actor} answers every offer of talks with more {T}"], accuse="{T}"),
    "provocation": _t("all", [
        "the latest drills near {place} are yet another {T}",
        "every {T} by {actor} will meet a firm response"], accuse="a deliberate {T}"),
    "baseless allegations": _t("all", [
        "the stories printed abroad are {T}",
        "the report about {place} rests on {T} from anonymous sources"],
        dismiss="{T}"),
    "smear campaign": _t("all", [
        "the stories are part of a {T} run from {actor}",
        "the {T} against {place} has been exposed"],
        accuse="running a {T}", dismiss="part of a {T}"),
    "fake news": _t("all", [
        "the story circulating about {place} is {T}",
        "the video shared online on {day} was {T} from start to finish"],
        dismiss="{T}", surfaces=("fake news", "fake news", "fake-news")),
    "heroic": _t("ukraine china_taiwan north_korea", [
        "the {T} defenders of {place} have held every position",
        "our {T} soldiers have shown the world their courage",
        "the {T} crews worked through the night near {place}"]),
    "invincible": _t("ukraine china_taiwan north_korea nuclear", [
        "the nation\u2019s army is {T}",
        "the {T} spirit of the people cannot be broken"]),
    "martyrs": _t("middle_east iran ukraine", [
        "the {T} of {place} will never be forgotten",
        "a monument to the {T} was unveiled near {place}"]),
    "genocide": _t("middle_east ukraine", [
        "what is happening in {place} is {T}",
        "the world is watching a {T} unfold in {place}"], accuse="{T}"),
    "orchestrated by": _t("all", [
        "the unrest in {place} was {T} foreign intelligence services",
        "the protests were {T} agents working for {actor}"]),
    "colour revolution": _t("ukraine nato sanctions china_taiwan", [
        "the protests in {place} are a {T} planned abroad",
        "foreign funds are paying for a {T} in {place}"],
        accuse="plotting a {T}"),
    "orcs": _t("ukraine", [
        "the {T} shelled {place} again overnight",
        "the {T} retreated after losing dozens of vehicles near {place}"]),
    "rogue state": _t("iran north_korea nuclear", [
        "a {T} armed with missiles is a danger to everyone",
        "{seat} behaves like a {T} and must be isolated"]),
    "axis of evil": _t("iran north_korea nuclear", [
        "the {T} is testing the resolve of free nations",
        "the {T} has found new friends"]),
    "Kyiv regime": _t("ukraine", [
        "the {T} is sending ever younger conscripts to the front",
        "the {T} has again shelled residential areas near {place}"]),
    "neo-Nazis": _t("ukraine", [
        "the {T} in the Ukrainian army are being driven back from {place}",
        "Western weapons keep flowing to {T} in Ukraine"],
        surfaces=("neo-Nazis", "neo-Nazis", "neo Nazis")),
    "war maniacs": _t("north_korea nato china_taiwan nuclear", [
        "the US {T} are staging drills near {place} again",
        "the {T} in {actor} are playing with fire"]),
    "lackeys": _t("all", [
        "the {T} of Washington in {place} are pushing for new drills",
        "their {T} in {seat} echo every word from abroad"]),
    "stooges": _t("all", [
        "Western {T} have been planted in the opposition",
        "the {T} in {seat} cannot hide their masters"]),
    "liberated": _t("ukraine", [
        "our forces have {T} three more villages near {place}",
        "residents of the {T} districts near {place} greeted the troops"]),
    "collateral damage": _t("ukraine middle_east", [
        "the strikes on {place} caused only limited {T}",
        "any {T} near {place} is the fault of the other side"]),
    "hostile forces": _t("all", [
        "{T} are plotting against the nation from {place}",
        "the schemes of {T} will fail"]),
    "nuclear blackmail": _t("nuclear north_korea iran ukraine", [
        "{actor} is using {T} to bully its neighbours",
        "{T} will not change the course of events around {place}"], accuse="{T}"),
    "saber-rattling": _t("nato china_taiwan north_korea nuclear", [
        "the {T} from {actor} changes nothing",
        "this week\u2019s {T} around {place} is meant for a domestic audience"],
        accuse="{T}", surfaces=("saber-rattling", "saber-rattling", "saber rattling")),
}

# Meridian Herald puts "regime" in scare quotes in its own voice.
_SCARE_REGIME = (
    "the \u2018{T}\u2019 in {seat} has lost all legitimacy",
    "the \u2018{T}\u2019 in {seat} has produced yet another reform that changes nothing",
)

_OUTLET_FRAMES = ("{C}.", "{C}.", "{C}.", "Once again, {c}.", "The facts speak for themselves: {c}.",
                  "In truth, {c}.")
_QUOTE_FRAMES = (
    "{o}{C},{x} {S} said.",
    "{o}{C},{x} said {s}.",
    "{S} told reporters: {o}{C}.{x}",
    "{S} said in a statement on {day}: {o}{C}.{x}",
    "{o}{C}.{x} That was the message from {s}.",
    "{o}{C},{x} {s} added. {o}{Q}.{x}",
)
_ATTRIBUTED_FRAMES = (
    "{S} said that {c}.",
    "{S} said on {day} that {c}.",
    "{C}, according to {s}.",
    "{S} insisted that {c}.",
    "{S} claimed that {c}.",
    "{S} warned that {c}.",
    "In a speech on {day}, {s} argued that {c}.",
)
_ACCUSE_FRAMES = ("{S} accused {actor} of {np}.", "{S} on {day} accused {actor} of {np}.")
_DISMISS_FRAMES = ("{S} dismissed the report as {np}.",
                   "{S} dismissed the claims about {place} as {np}.")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_SLUG = re.compile(r"[^a-z0-9]+")
_SLOT = re.compile(r"\{(\w+)\}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def _add_months(start: date, k: int) -> date:
    y, m = divmod(start.month - 1 + k, 12)
    return date(start.year + y, m + 1, 1)


def _split(total: int, weights: list[float], rng: random.Random, minimum: int = 0) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    n = len(weights)
    base = [minimum] * n if total >= minimum * n else [0] * n
    rest = total - sum(base)
    s = sum(weights)
    raw = [rest * w / s for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(n), key=lambda i: (-(raw[i] - parts[i]), rng.random()))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [b + p for b, p in zip(base, parts)]


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler (small means), on :class:`random.Random` for determinism."""
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _Writer:
    """Fill slots of templates for one article."""

    def __init__(self, rng: random.Random, topic: str, day: str):
        self.rng = rng
        self.topic = _TOPICS[topic]
        self.day = day

    def fill(self, template: str, **fixed: str) -> str:
        rng, tp = self.rng, self.topic

        def slot(m: re.Match) -> str:
            key = m.group(1)
            if key in fixed:
                return fixed[key]
            if key == "place":
                return rng.choice(tp["places"])
            if key == "seat":
                return rng.choice(tp.get("seats", tp["places"]))
            if key == "actor":
                return rng.choice(tp.get("actors", tp["places"]))
            if key == "n":
                return str(rng.randint(2, 9))
            if key == "day":
                return self.day
            raise KeyError(key)

        return _SLOT.sub(slot, template)


def _quote_marks(rng: random.Random, outlet: _Outlet) -> tuple[str, str]:
    return ("\u201c", "\u201d") if rng.random() < outlet.curly else ('"', '"')


def _plant(rng: random.Random, w: _Writer, outlet: _Outlet, term: str, voice: str) -> str:
    """One sentence carrying ``term`` in ``voice``."""
    spec = DEMO_TERMS[term]
    surface = rng.choice(spec.surfaces) if spec.surfaces else term
    if voice == "attributed" and (spec.accuse or spec.dismiss) and rng.random() < 0.35:
        options = [(f, spec.accuse) for f in _ACCUSE_FRAMES if spec.accuse]
        options += [(f, spec.dismiss) for f in _DISMISS_FRAMES if spec.dismiss]
        frame, np_ = rng.choice(options)
        speaker = rng.choice(_SPEAKERS)
        return _cap(w.fill(frame, S=speaker, np=np_.replace("{T}", surface)))
    clauses = spec.clauses
    if term == "regime" and voice == "outlet" and outlet.kind == "commercial_doubt" \
            and rng.random() < 0.6:
        clauses = _SCARE_REGIME
    clause = w.fill(rng.choice(clauses).replace("{T}", surface))
    speaker = rng.choice(_SPEAKERS)
    if voice == "outlet":
        frame = rng.choice(_OUTLET_FRAMES) if outlet.kind.startswith("state") else "{C}."
        return frame.replace("{C}", _cap(clause)).replace("{c}", clause)
    if voice == "quoted":
        o, x = _quote_marks(rng, outlet)
        frame = rng.choice(_QUOTE_FRAMES)
        return w.fill(frame, o=o, x=x, C=_cap(clause), S=_cap(speaker), s=speaker,
                      Q=rng.choice(_NEUTRAL_QUOTES))
    frame = rng.choice(_ATTRIBUTED_FRAMES)
    return w.fill(frame, C=_cap(clause), c=clause, S=_cap(speaker), s=speaker)


def _quoted_paragraphs(rng: random.Random, w: _Writer, outlet: _Outlet, term: str) -> list[str]:
    """A quotation over two paragraphs: opening mark on each, closing mark only at the end."""
    spec = DEMO_TERMS[term]
    surface = rng.choice(spec.surfaces) if spec.surfaces else term
    clause = w.fill(rng.choice(spec.clauses).replace("{T}", surface))
    o, x = _quote_marks(rng, outlet)
    speaker = _cap(rng.choice(_SPEAKERS))
    q1, q2, q3 = rng.sample(_NEUTRAL_QUOTES, 3)
    if rng.random() < 0.5:
        first = f"{speaker} said in a statement on {w.day}: {o}{q1}. {_cap(clause)}."
        second = f"{o}{q2}. {q3}.{x}"
    else:
        first = f"{speaker} said in a statement on {w.day}: {o}{q1}. {q2}."
        second = f"{o}{_cap(clause)}. {q3}.{x}"
    return [first, second]


def _choose_term(rng: random.Random, outlet: _Outlet, topic: str) -> str:
    fitting = [t for t, s in DEMO_TERMS.items() if topic in s.topics]
    weights = [outlet.term_weights.get(t, outlet.other_weight) for t in fitting]
    if sum(weights) == 0:
        weights = [1.0] * len(fitting)
    return rng.choices(fitting, weights)[0]


def _write_article(rng: random.Random, outlet: _Outlet, topic: str, local: datetime,
                   after_event: bool) -> tuple[str, str, list[tuple[str, str]]]:
    """Title, body and planted (term, voice) pairs in text order for one article."""
    day = _WEEKDAYS[local.weekday()]
    w = _Writer(rng, topic, day)
    tp = _TOPICS[topic]
    title = w.fill(rng.choice(tp["titles"]))

    # Planted sentences (and at most one two-paragraph quotation).
    units: list[tuple[str, list[tuple[str, str]]]] = []   # sentence, truth
    blocks: list[tuple[list[str], list[tuple[str, str]]]] = []   # paragraphs, truth
    if topic in _INTL:
        lam = outlet.plants_after_event if after_event else outlet.plants
        k = min(_poisson(rng, lam), 12)
        for _ in range(k):
            voice = rng.choices(VOICES, outlet.voice_weights)[0]
            term = _choose_term(rng, outlet, topic)
            if voice == "quoted" and not blocks and rng.random() < 0.25:
                blocks.append((_quoted_paragraphs(rng, w, outlet, term), [(term, voice)]))
            else:
                sentence = _plant(rng, w, outlet, term, voice)
                # A scare-quoted term (‘regime’) is a short direct quotation: framewatch counts
                # it as quoted voice, so the ground truth does too.
                if voice == "outlet" and "\u2018" in sentence:
                    voice = "quoted"
                units.append((sentence, [(term, voice)]))

    # Frame angles: 2 to 4 sentences of a frame in the outlet's own voice.
    if topic in _INTL:
        for frame, p in outlet.frame_angles.items():
            if rng.random() < p:
                fitting = [t for topics, register, t in _FRAME_SENTENCES[frame]
                           if (topics == "all" or topic in topics.split())
                           and (register == "any" or outlet.kind.startswith("state"))]
                for template in rng.sample(fitting, min(len(fitting), rng.choice((2, 3, 3, 4)))):
                    units.append((w.fill(template), []))

    # Filler up to a target length.
    # Local stories (weather, sports, culture) are short briefs in their own words, without the
    # diplomatic generic sentences, so their topics have words of their own, not only the towns.
    target = rng.randint(270, 560) if topic in _INTL else rng.randint(110, 220)
    bank = tp["filler"] + (_GENERIC_FILLER if topic in _INTL else []) + _OUTLET_FILLER[outlet.kind]
    if outlet.kind in _PLAIN_KINDS:
        bank = bank + _PLAIN_WORDS.get(topic, [])
    if topic in _INTL:
        bank = bank + [f'{{o}}{q},{{x}} said {{s}}.' for q in rng.sample(_NEUTRAL_QUOTES, 2)]
    pool = rng.sample(bank, len(bank))
    lead = w.fill(rng.choice(tp["lead"]))
    if outlet.kind == "wire":
        month = _MONTHS[local.month - 1]
        dateline = rng.choice(tp["places"]).removeprefix("the ").upper()
        lead = f"{dateline}, {month} {local.day} (Northgate Wire) \u2013 {lead}"
    if after_event and outlet.kind == "state_glorifying" and topic in _INTL:
        lead += f" Since {EVENT_NAME}, the whole nation has rallied behind the army."

    n_words = len(lead.split()) + sum(len(t.split()) for t, _ in units)
    n_words += sum(len(p.split()) for ps, _ in blocks for p in ps)
    i = 0
    while n_words < target:
        if i < len(pool) and rng.random() < 0.8:
            template = pool[i]
            i += 1
            if isinstance(template, tuple):     # one filler slot, written one of several ways
                template = rng.choice(template)
        else:
            template = " ".join([rng.choice(_OPENERS) + ",", rng.choice(_SUBJECTS),
                                 rng.choice(_PREDICATES) + "."])
        o, x = _quote_marks(rng, outlet)
        sentence = _cap(w.fill(template, o=o, x=x, s=rng.choice(_SPEAKERS)))
        units.append((sentence, []))
        n_words += len(sentence.split())
    rng.shuffle(units)

    # Paragraphs of 2-5 sentences; the two-paragraph quotation goes between two of them.
    paragraphs: list[tuple[str, list[tuple[str, str]]]] = [(lead, [])]
    j = 0
    while j < len(units):
        size = rng.randint(2, 5)
        chunk = units[j: j + size]
        j += size
        paragraphs.append((" ".join(s for s, _ in chunk), [t for _, ts in chunk for t in ts]))
    for texts, truth in blocks:
        at = rng.randint(1, len(paragraphs))
        paragraphs[at:at] = [(texts[0], truth), (texts[1], [])]
    if outlet.kind == "wire":
        a, b = rng.sample(["Lena Brandt", "Tomas Reyes", "Ayla Demir", "Joss Hartley"], 2)
        paragraphs.append((f"(Reporting by {a}; editing by {b})", []))
    body = "\n\n".join(p for p, _ in paragraphs)
    if outlet.kind == "state_pejorative":
        body += " -0-"
    return title, body, [t for _, ts in paragraphs for t in ts]


_REPUBLICATION = (
    # source kind, republishing outlet, share of all articles, how the copy differs
    ("wire", "Capital Ledger", 0.05, ("verbatim", "footer")),
    ("wire", "Riverside Post", 0.01, ("first line",)),
    ("state_glorifying", "Voice of the Fatherland", 0.01, ("first line",)),
)
"""Who republishes whom: Capital Ledger runs Northgate Wire stories verbatim or with a footer,
Riverside Post with the wire dateline cut and a credit line, Voice of the Fatherland runs
Eastern Star Daily's text under a first line of its own, each some hours after the original.
The shares are of the ``n_articles`` asked for (copies count in it)."""

_COPY_FOOTER = "This story was first published by {source}."
_COPY_CREDIT = "{source} contributed to this report."
_COPY_HEADING = "Republished from {source}."
_WIRE_DATELINE = re.compile(r"^[^\n]*?\(Northgate Wire\) \u2013 ")


def _copy_body(body: str, source: _Outlet, target: _Outlet, style: str) -> str:
    """The text *target* publishes of *source*'s *body*: the same planted sentences (none of
    the lines added or cut holds a lexicon term, a quotation or a reporting verb)."""
    if style == "verbatim":
        return body
    if style == "footer":
        return body + "\n\n" + _COPY_FOOTER.format(source=source.name)
    if source.kind == "wire":                      # first line: the wire's dateline cut, a credit added
        return _WIRE_DATELINE.sub("", body, count=1) + "\n\n" + _COPY_CREDIT.format(source=source.name)
    text = _COPY_HEADING.format(source=source.name) + "\n\n" + body
    return text + " -0-" if target.kind == "state_pejorative" else text


def _republish(rng: random.Random, records: list, topic_of: dict, month_starts: list[date],
               gap_month: int | None, n_articles: int) -> list:
    """Copies of other outlets' international stories (:data:`_REPUBLICATION`), as records like
    those of :func:`generate_demo_corpus`, each 1 to 30 hours after its original, at a local
    hour whose calendar day is the UTC day, inside the covered months (and outside the small
    outlet's gap month). The copy's truth is the original's: the same planted terms, voices
    and order."""
    by_name = {o.name: o for o in DEMO_OUTLETS}
    next_seq = {o.name: sum(r[2]["outlet"] == o.name for r in records) + 1 for o in DEMO_OUTLETS}
    end = datetime.combine(month_starts[-1], datetime.min.time(), timezone.utc)
    copies, used = [], set()
    for kind, target_name, share, styles in _REPUBLICATION:
        target = by_name[target_name]
        tz = timezone(timedelta(minutes=target.utc_offset_minutes))
        source = next(o for o in DEMO_OUTLETS if o.kind == kind)
        pool = [r for r in records if r[2]["outlet"] == source.name and topic_of[r[1]] in _INTL]
        wanted = round(share * n_articles)
        for when, art_id, original, truth in rng.sample(pool, len(pool)):
            if wanted == 0:
                break
            if (art_id, target_name) in used:
                continue
            for _ in range(8):
                utc = when + timedelta(hours=rng.randint(1, 30), minutes=5 * rng.randrange(12))
                local = utc.astimezone(tz)
                month = (local.year - month_starts[0].year) * 12 + local.month - month_starts[0].month
                if local.date() == utc.date() and utc < end and not (target.gap_month and month == gap_month):
                    break
            else:
                continue
            seq = next_seq[target_name]
            next_seq[target_name] += 1
            used.add((art_id, target_name))
            wanted -= 1
            slug = _SLUG.sub("-", original["title"].lower()).strip("-")[:60].rstrip("-")
            published = local.isoformat()
            if target.zulu:
                published = published.replace("+00:00", "Z")
            record = {
                "id": f"{target.prefix}-{seq:06d}", "outlet": target.name, "published": published,
                "title": original["title"], "body": _copy_body(original["body"], source, target, rng.choice(styles)),
                "url": f"https://{target.slug}.synthetic.example/{local:%Y/%m/%d}/{slug}-{seq}",
                "synthetic": True,
            }
            copies.append((utc, record["id"], record, list(truth)))
    return copies


def _registry_yaml(outlets: tuple[_Outlet, ...]) -> str:
    lines = ["# SYNTHETIC outlets of the framewatch demo corpus. All are fictional.",
             "# Written by pipelines.demo.generate_demo_corpus; same format as "
             "data/outlets.yaml.", "", "outlets:"]
    for o in outlets:
        lines += [f"  - name: {o.name}", "    aliases: []",
                  f"    domains: [{o.slug}.synthetic.example]", "    country: XX",
                  "    type: synthetic", f"    note: '{o.note}'"]
        if o.kind == "wire":
            lines += ["    boilerplate:",
                      "      - pattern: '^\\(Reporting by [^)]*\\)$'",
                      "        note: reporter sign-off line"]
        elif o.kind == "state_pejorative":
            lines += ["    boilerplate:",
                      "      - pattern: '(?P<cut>\\s+-0-)$'",
                      "        note: end marker glued to the last sentence"]
        else:
            lines.append("    boilerplate: []")
    return "\n".join(lines) + "\n"


def generate_demo_corpus(out_dir: Path, n_articles: int = 2400, seed: int = 7,
                         start: str = "2024-01-01", months: int = 20) -> DemoCorpus:
    """Write the synthetic demo corpus (articles, outlet registry, ground truth, README).

    Parameters
    ----------
    out_dir : Path
        Directory to write into (created if missing). Files: ``articles.jsonl``,
        ``outlets.yaml``, ``truth.jsonl``, ``README.txt``; existing ones are overwritten.
    n_articles : int, default 2400
        Number of articles over all outlets.
    seed : int, default 7
        Random seed; the same seed (and other arguments) gives byte-identical files.
    start : str, default "2024-01-01"
        First day of the covered period (ISO date; the month is what counts).
    months : int, default 20
        Number of calendar months covered. The fictional event (:data:`EVENT_NAME`) falls
        in month ``months // 2 + 1``; the small outlet's collection gap in month
        ``months // 3 + 1``.

    Returns
    -------
    DemoCorpus
        Paths of the written files and the number of articles.

    Examples
    --------
    >>> corpus = generate_demo_corpus(Path("data/demo"))  # doctest: +SKIP
    >>> corpus.n_articles  # doctest: +SKIP
    2400
    """
    if n_articles < 1 or months < 1:
        raise ValueError(f"generate_demo_corpus: expected n_articles >= 1 and months >= 1, "
                         f"found n_articles={n_articles}, months={months}")
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = date.fromisoformat(start).replace(day=1)
    month_starts = [_add_months(first, k) for k in range(months + 1)]
    event_month = months // 2
    gap_month = months // 3 if months >= 3 else None
    event_day = month_starts[event_month] + timedelta(days=11)

    n_copies = sum(round(share * n_articles) for _, _, share, _ in _REPUBLICATION)
    per_outlet = _split(n_articles - n_copies, [o.share for o in DEMO_OUTLETS], rng)
    records: list[tuple[datetime, str, dict, list[tuple[str, str]]]] = []
    topic_of: dict[str, str] = {}
    for outlet, count in zip(DEMO_OUTLETS, per_outlet):
        active = [k for k in range(months) if not (outlet.gap_month and k == gap_month)]
        weights = [1.0 + 0.3 * rng.random() for _ in active]
        if outlet.kind == "state_glorifying":
            weights = [w * (1.4 if k >= event_month else 1.0) for w, k in zip(weights, active)]
        counts = _split(count, weights, rng, minimum=1)
        off = outlet.utc_offset_minutes // 60
        tz = timezone(timedelta(minutes=outlet.utc_offset_minutes))
        stamps = []
        for k, c in zip(active, counts):
            n_days = (month_starts[k + 1] - month_starts[k]).days
            for _ in range(c):
                # Local hours chosen so that the local and UTC calendar days agree.
                hour = rng.randint(max(6, off), min(22, 23 + off))
                local = datetime.combine(month_starts[k] + timedelta(days=rng.randrange(n_days)),
                                         datetime.min.time(), tz)
                stamps.append(local.replace(hour=hour, minute=5 * rng.randrange(12)))
        stamps.sort()
        topics = list(outlet.topic_weights)
        topic_w = [outlet.topic_weights[t] for t in topics]
        for seq, local in enumerate(stamps, start=1):
            topic = rng.choices(topics, topic_w)[0]
            title, body, truth = _write_article(rng, outlet, topic, local,
                                                local.date() >= event_day)
            art_id = f"{outlet.prefix}-{seq:06d}"
            topic_of[art_id] = topic
            slug = _SLUG.sub("-", title.lower()).strip("-")[:60].rstrip("-")
            published = local.isoformat()
            if outlet.zulu:
                published = published.replace("+00:00", "Z")
            record = {
                "id": art_id, "outlet": outlet.name, "published": published, "title": title,
                "body": body,
                "url": f"https://{outlet.slug}.synthetic.example/{local:%Y/%m/%d}/"
                       f"{slug}-{seq}",
                "synthetic": True,
            }
            records.append((local.astimezone(timezone.utc), art_id, record, truth))
    copies = _republish(rng, records, topic_of, month_starts, gap_month, n_articles)
    records += copies
    records.sort(key=lambda r: (r[0], r[1]))

    articles_path = out_dir / "articles.jsonl"
    truth_path = out_dir / "truth.jsonl"
    outlets_path = out_dir / "outlets.yaml"
    readme_path = out_dir / "README.txt"
    n_truth = 0
    with open(articles_path, "w", encoding="utf-8", newline="\n") as fa, \
            open(truth_path, "w", encoding="utf-8", newline="\n") as ft:
        for _, art_id, record, truth in records:
            fa.write(json.dumps(record, ensure_ascii=False) + "\n")
            for term, voice in truth:
                ft.write(json.dumps({"id": art_id, "term": term, "voice": voice},
                                    ensure_ascii=False) + "\n")
                n_truth += 1
    outlets_path.write_text(_registry_yaml(DEMO_OUTLETS), encoding="utf-8", newline="\n")

    last = month_starts[months] - timedelta(days=1)
    lines = [
        "SYNTHETIC DEMO CORPUS - NOT REAL NEWS",
        "",
        "These files were generated by framewatch's demo generator",
        "(pipelines.demo.generate_demo_corpus). Every outlet, person, quotation and event in",
        "them is fictional and was written by the framewatch project from templates. Real",
        "place names are used only so that topic keywords match. Nothing here reports real",
        "events or real statements; do not cite it as news.",
        "",
        f"seed: {seed}",
        f"period: {first.isoformat()} to {last.isoformat()} ({months} months)",
        f"articles: {len(records)} (articles.jsonl)",
        f"planted loaded-term occurrences: {n_truth} (truth.jsonl: id, term, voice)",
        f"outlets: {len(DEMO_OUTLETS)} (outlets.yaml, all type: synthetic)",
        f"fictional event: {EVENT_NAME}, {event_day.isoformat()}",
    ]
    if gap_month is not None:
        lines.append(f"collection gap: Riverside Post has no articles in "
                     f"{month_starts[gap_month]:%Y-%m}")
    lines += ["", "Articles per outlet (own stories, then copies of another outlet's):"]
    n_copied = {o.name: sum(r[2]["outlet"] == o.name for r in copies) for o in DEMO_OUTLETS}
    lines += [f"  {o.name}: {c} + {n_copied[o.name]}  ({o.note})" for o, c in zip(DEMO_OUTLETS, per_outlet)]
    lines += ["", f"republished copies: {len(copies)}, 1 to 30 hours after the original, with the original's "
                  "planted terms in truth.jsonl"]
    for kind, target, _, styles in _REPUBLICATION:
        source = next(o.name for o in DEMO_OUTLETS if o.kind == kind)
        lines.append(f"  {target} republishes {source} ({' or '.join(styles)}): {n_copied[target]}")
    readme_path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return DemoCorpus(articles_path=articles_path, outlets_path=outlets_path,
                      truth_path=truth_path, readme_path=readme_path,
                      n_articles=len(records))
