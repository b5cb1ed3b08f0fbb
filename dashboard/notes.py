"""Method notes shown under charts and on the About page.

They restate the rules of :mod:`pipelines.rollups` (the reference); keep them consistent. The numbers of the
trend's y axis are formatted from the constants of :mod:`dashboard.charts` that draw it.
"""

from .charts import BAND_MIN_ARTICLES, MIN_BAND_PERIODS, SHARE_TOP, Y_HEADROOM, Y_QUANTILE


def ordinal(n: int) -> str:
    """*n* with its English ordinal suffix: 1st, 2nd, 3rd, 11th, 98th."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


RATE = ("**Rate per 1,000 words** = 1000 × Σ mentions / Σ words, summed over the articles of each "
        "outlet and period (never an average of daily or per-article rates). The words are those of "
        "the chosen voice: for *outlet* the words outside quotations and reported speech, for *quoted* "
        "the words inside direct quotations, for *attributed* the words inside reported speech, for "
        "*all* every word. The band is a 95 % interval: the wider of the Wilson score interval of "
        "mentions / words (each word a trial) and the ratio-estimator interval with articles as "
        "clusters (Cochran 1977, §6.4), which widens the band when loaded words bunch up in a few "
        "articles; times 1000.")
SHARE = ("**Share of articles** = Σ articles with at least one mention / Σ articles, with a 95 % Wilson "
         "score interval (Wilson 1927; recommended over the Wald interval for small n by Brown, Cai & "
         "DasGupta 2001).")
POOLED = ("**Pooled** (\"All selected outlets\"): numerators and denominators are summed over the "
          "selected outlets first, then divided; it is not the mean of the outlets' shares.")
PANELS = ("**Many outlets:** with more than three outlets the chart has one panel per outlet, all on the same "
          "axes, since their bands drawn in one chart hide each other. Each panel has the outlet's line and band, its "
          "articles per period as pale bars (one scale for every panel), and a grey line of all selected outlets "
          "together (numerators and denominators summed, then divided: the pooled series without its band, which "
          "*Pool selected outlets* draws). The grey line's points have their evidence and their rows in the download "
          "(outlet *All selected outlets*, interval empty).")
AXIS = ("**The y axis and the intervals:** the y axis fits the lines (from 0 to "
        f"{Y_HEADROOM:g} × the {ordinal(round(Y_QUANTILE * 100))} percentile of the values drawn; when every value is "
        f"0, to the widest interval of a period of {BAND_MIN_ARTICLES} or more articles; a share stops at "
        f"{SHARE_TOP * 100:g} %), not the intervals: a period resting on a few short articles has a 95 % interval many "
        "times its value, which would flatten every other line. A value above the axis is a triangle on its top edge. "
        f"An interval that fits under the axis is shaded as a band over {MIN_BAND_PERIODS} or more periods in a row, "
        "and is an error bar on a shorter stretch. An interval that runs past the top of the axis is never shaded and never part of a band (a "
        "band cut at the top is a block as tall as the plot, which reads as a spike in the data): it is a thin dashed "
        "line from its lower bound up to the edge, ending in an open ^ that says it goes on. The caption counts these; "
        "the tooltip gives every interval in full and the download has every bound.")
GAPS = ("**Gaps:** a period in which an outlet has no articles is a gap, drawn as a break in the "
        "line and exported with empty values, never zero. Status *no articles*: the collector ran and "
        "found nothing; *not collected*: the collector was down; *no data*: no coverage information.")
VOICE = ("**Voice:** a mention inside a direct quotation belongs to the speaker (*quoted*), one in "
         "reported speech (\"X said that …\", \"according to X\") is *attributed*; only the rest is the "
         "outlet's own words. Charts default to the outlet's own voice.")
NAMES = ("**Names are not loaded wording:** a lexicon term written in lower case (*thug*, *martyrs*, "
         "*savage*) that the text writes capitalised inside a run of capitalised words, not at the start of a "
         "sentence, clause or quotation and not in a title-case headline, is part of a proper name (*Young Thug*, "
         "*Al-Aqsa Martyrs Hospital*, *Mark Savage*) and is not counted. Terms the lexicon writes with a capital "
         "(*US imperialists*, *neo-Nazis*) and words in capitals always count; a capitalised word alone (*the "
         "Barbarians*) is not taken for a name.")
TOPICS = ("**Topics:** an article with several of the selected topics is counted once. Undated "
          "articles are left out of charts over time and counted in the caption; Trends, Outlets × categories, "
          "Word choice, Frames and Articles list them under it, with why each has no date (as `framewatch rejects "
          "--undated` does).")
MATRIX = ("**Outlets × categories:** each cell counts mentions of the category in the chosen voice, over the outlet's articles and "
          "words (in that voice) in the selection, which each row gives under its outlet. Categories with no mention show 0. "
          "**Grey cells:** a cell whose 95 % interval is wider than half the colour scale is grey, not coloured, "
          "and reads its value with the interval under it: on a few hundred words one mention moves the rate by "
          "several per 1,000, so its colour could stand for almost any value on the scale (after the "
          "value-suppressing uncertainty palettes of Correll, Moritz & Heer 2018). The scale runs from 0 to the "
          "largest coloured value. The download flags these cells (`rate_uncertain`, `share_uncertain`).")
WIRE = ("**Wire copies:** an article whose text (word 5-shingles, estimated Jaccard similarity 0.7 or more) "
        "also appears at another outlet, or that repeats with a wire dateline such as \"(Reuters) -\", is a "
        "wire copy; the first copy is one too. *Republished copies* in the sidebar chooses how copies "
        "count in every chart, table and download: *Count every copy* (the default); *Count each story once*, "
        "which keeps only the first copy of each group of near-identical texts (the earliest published; on a "
        "tie the smallest article id; undated copies last), even when that first copy is outside the "
        "selected outlets or dates; or *Leave wire copies out*, which drops every wire copy, the first "
        "included, so republished text does not count as coverage. Exact duplicates (the same URL without tracking parameters, or the same text at the "
        "same outlet) are folded into one article at ingest either way.")

CONCORDANCE = ("**Concordance (KWIC):** one line per span of text behind the cell: a lexicon mention (for a "
               "term or a category), a frame-lexicon token, a word-choice form, a distinctive term or a target "
               "mention. The match is the exact text at the stored character offsets in the article, with up to "
               "80 characters on each side (one line on screen, cut to 70). The cell (its outlet and days) and the "
               "sidebar's filters both apply: voice, lexicon categories, topics, dates and republished copies, so "
               "the lines are the mentions the chart counted for that cell. Lines come in date order, then by "
               "article and position; the page shows 100 at a time and the download has every line, with the "
               "article id and offsets to find it again.")

REPUBLICATION = (
    "**Republication:** near-identical texts are grouped into clusters (`pipelines/syndication.py`): each text is "
    "case-folded and cut into word 5-shingles (5 consecutive words); a MinHash signature of 128 permutations "
    "(seed 1; Broder 1997) estimates the Jaccard similarity of two texts' shingle sets (standard error about 0.04 "
    "at 0.7), datasketch's MinHash LSH proposes candidate pairs, and a pair is kept at an estimated Jaccard of "
    "0.7 or more. Clusters are the connected groups of kept pairs, so a chain A~B~C joins A and C even when they "
    "differ more; *similarity* is each copy's estimate against the first copy. Rewritten stories (paraphrases) "
    "share few shingles and count as own reporting; texts shorter than 5 words cluster only when identical. "
    "**Short texts at their own outlet:** a text of fewer than 25 words (a headline, a photo caption, a title "
    "and lead without a body) is a copy only of another outlet's text. Outlets reuse their own short texts for "
    "different articles (a caption on a second photo item, a recurring headline such as \"What you need to "
    "know right now\", a flash's words again in the full story), so alike short texts at one outlet show a "
    "template, not a republished article, while the same words at another outlet still show copying; "
    "near-duplicate detection is known to be unreliable between pages of one site and precise between sites "
    "(Henzinger 2006). In a cluster, an outlet with a text under 25 words keeps only its earliest member; its "
    "later ones there are in no cluster, so they count under every setting of *Republished copies*. A cluster "
    "of one outlet (an outlet repeating its own text under another URL) holds texts of 25 words or more only. "
    "**First** is the member with the earliest publication time; on a tie, the smallest article id (a stable "
    "but arbitrary choice: two outlets stamping the same minute may both have copied a third source); undated "
    "members come last and their lag is unknown. The first copy is the first in the whole store, even when it "
    "is outside the selected outlets or dates. **Lag** is the copy's publication time minus the first copy's, "
    "in hours, as the outlets stamped them (a lag of 0 means the same stamped time). **Copies of another "
    "outlet's text**: cluster members that are not the first and whose first copy is at a different outlet, "
    "over the outlet's selected dated articles (every copy counted), with a Wilson 95 % interval. This page "
    "always counts every copy, whatever the *Republished copies* switch says.")
TOPIC_DISCOVERY = (
    "**Topic discovery:** non-negative matrix factorisation (NMF; Lee & Seung 1999, 2001) of the TF-IDF "
    "document-term matrix of the selected articles (scikit-learn: English stop words removed, words and "
    "two-word phrases, a term must be in at least 2 articles and in at most 90 % of them; NMF with the "
    "NNDSVD start (Boutsidis & Gallopoulos 2008), fixed random_state, Frobenius loss), as used for news topics "
    "by Greene & Cross (2017). Each proposed topic is a weighted list of terms; an article belongs to the topic "
    "of its largest weight when that weight is at least 10 % of the article's total (else to none). Above the "
    "article cap, a fixed sample of articles is used (the same every time for the same selection) and the page "
    "says so. Proposals are unsupervised: the same data with another number of topics gives other topics, and a "
    "topic can mix two stories or split one. Read the top terms and the representative articles before saving "
    "one; a saved definition matches articles that contain at least one of its terms, which is broader than "
    "the NMF topic.")

DISTINCTIVE = (
    "**Distinctive terms:** the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn "
    "2008, \"Fightin' Words\", §3.5), for the chosen outlet *i* against the rest *j* (every other selected "
    "outlet, pooled). For a term *w* with counts y_iw, y_jw, side totals n_i, n_j and prior α_w: "
    "δ_w = log[(y_iw + α_w) / (n_i + α_0 − y_iw − α_w)] − log[(y_jw + α_w) / (n_j + α_0 − y_jw − α_w)], "
    "σ²_w ≈ 1/(y_iw + α_w) + 1/(y_jw + α_w), z_w = δ_w / σ_w. The prior is the term's count in the whole "
    "current selection (α_w = α_0 × the term's share of all counted terms, α_0 = the selection's total count), "
    "so rare terms are pulled towards no difference. z above 1.96 (dotted line) means the outlet uses the term "
    "more than the rest beyond what chance would give at the 5 % level *for that one term*; below −1.96, less. "
    "Thousands of terms are tested, so some pass by chance: z is not corrected for multiple comparisons, and "
    "it ranks terms rather than proving a difference. Counts are word occurrences, not articles: one article "
    "repeating a word (a dateline, a byline, a boilerplate line) can make it distinctive, so read the lines. "
    "**Terms** are the words of the text folded like lexicon matching (lower case, quotes and dashes folded), at "
    "least 2 characters with a letter, scikit-learn's English stop words removed; two-word terms join adjacent "
    "words with no punctuation between them. With a voice chosen in the sidebar, only the words in that voice "
    "count (outlet: outside quotations and reported speech). Terms used fewer times than the minimum count in "
    "the whole selection are not listed but count in the totals. Above 2,000,000 words a fixed sample of the "
    "selected articles is counted and the caption says so; the lines below a term come from every selected "
    "article.")

TONE_TARGETS = (
    "**Targets** are found with a gazetteer written by framewatch (`data/targets.yaml`, or `--targets FILE`): "
    "each target's names, its capital, seat and leaders' offices (*Washington*, *the Kremlin*, *Pyongyang*) and "
    "its demonyms (*American*, *Russian*), matched as whole words like lexicon terms. *US*, *UN*, *EU*, *UK*, "
    "*DPRK*, *Turkey* and *the West* match only with their capitals (*us*, *un-American*, *turkey* do not); "
    "phrases such as *Washington Post*, *South China Sea* or *Latin American* are not mentions. Capitals are "
    "also places: a sentence set in Moscow counts as naming Russia, but a **dateline** opening the article or a "
    "paragraph (*Pyongyang, December 24 (KCNA) --*, *BEIJING (Reuters) -*, *JERUSALEM —*) says where the story "
    "was filed and names no target; the sentence still counts for targets named elsewhere in it. A sentence "
    "counts **once per target**, "
    "however many of its names it uses; a sentence naming two targets counts for both, with the same tone.")
TONE_SCORE = (
    "**Tone** is the sentence's VADER compound score (Hutto & Gilbert 2014; the `vaderSentiment` lexicon and "
    "rules), from −1 (most negative) to +1, computed after every target name in the sentence is replaced by a "
    "neutral word (VADER's lexicon scores *United* +1.8 and *Great* +3.1, which would tilt every sentence about "
    "the United States or Great Britain). VADER was built and validated for **social-media text**, not news; it "
    "reads the words of the whole sentence, so the tone of a sentence is **not the stance toward the target**: "
    "*Russia condemned the US strike* is as negative for Russia as for the US. Compare outlets, voices and "
    "periods, and read the sentences, rather than trusting an absolute level.")
TONE_MEASURES = (
    "**Mean tone** = Σ compound / Σ sentences (each sentence weighs the same), with a 95 % ratio-estimator "
    "interval with articles as clusters (Cochran 1977, §6.4), because the sentences of one article are not "
    "independent, using Student's t on (articles − 1) degrees of freedom since a cell often holds few "
    "articles; no band with fewer than two articles. **Share of negative sentences** = sentences with "
    "compound ≤ −0.05 (VADER's own threshold) / sentences, with the wider of the Wilson interval (each sentence a "
    "trial) and the same cluster interval. A period in which an outlet has no sentence naming the target is a "
    "gap, never 0. **Voice** is that of the target's (first) name in the sentence: the sidebar's voice keeps "
    "the sentences where the outlet itself names the target (*outlet*), or where a quoted or attributed speaker "
    "does. Lexicon categories do not apply to tone.")

TREND_NOTE = "\n\n".join([RATE, SHARE, POOLED, PANELS, AXIS, GAPS, VOICE, NAMES, TOPICS, WIRE])
MATRIX_NOTE = "\n\n".join([MATRIX, RATE, SHARE, VOICE, NAMES, TOPICS, WIRE])
WORD_CHOICE = ("**Word choice (counterpart pairs):** a pair names one thing two ways, a *loaded form* (lexicon "
               "terms such as \"regime\", \"war games\", \"special military operation\") and its *counterpart* (the "
               "plain word the lexicon gives for them: \"government\", \"military exercises\", \"invasion\"); the "
               "pairs are in `data/lexicon/pairs.csv`. **Share of the loaded form** = Σ uses of the loaded form / "
               "Σ uses of either form, over the outlet's selected articles in the period, in the chosen voice. "
               "Both forms are found as lexicon terms are (whole words, case and hyphens folded, longest match "
               "first, so \"joint military exercises\" is one use); each pair is counted on its own, so \"Kyiv "
               "regime\" is a use of \"regime\" too. A form inside a stop phrase (\"sanctions regime\") and a "
               "counterpart inside a longer loaded term (\"puppet government\") do not count. Where both words "
               "are loaded in opposite directions (\"reunification\" / \"annexation\"), the pair says so under "
               "*contested*: 0 % is then not neutral, it is the other side's word.")
WORD_CHOICE_INTERVAL = ("**Interval and n:** the 95 % band is the wider of the Wilson score interval with each use a "
                        "trial and the ratio-estimator interval with articles as clusters (Cochran 1977, §6.4): an "
                        "article tends to repeat its own word, so its uses are not independent, and the cluster "
                        "interval widens the band when a few articles carry most uses. The hover and the tables "
                        "also give the **share of articles** using the loaded form among those using either form "
                        "(Wilson). n is the number of uses and of articles using either form; a cell resting on "
                        "fewer than 5 articles is drawn hollow and flagged. A period in which the outlet uses "
                        "neither form is a gap, never 0 %.")
WORD_CHOICE_PANELS = ("**Over time, one outlet or several:** up to three outlets share one chart, each with its own "
                      "colour, marker shape and dash, so lines at the same value (often 0 %) stay told apart. With "
                      "more than three, each outlet has its own panel, all on the same axes (0 to 100 %, the same "
                      "periods), since their lines, markers and bands drawn in one chart cover each other. A panel "
                      "is titled with the outlet's uses of either form and the articles they are in, and has the "
                      "outlet's line and band and a grey line of all selected outlets together (Σ uses of the "
                      "loaded form / Σ uses of either form, per period, without a band); the download keeps one "
                      "row per outlet and period, from which the grey line is summed.")
WORD_CHOICE_NOTE = "\n\n".join([WORD_CHOICE, WORD_CHOICE_INTERVAL, WORD_CHOICE_PANELS, VOICE, TOPICS, WIRE])

FRAMES_LEXICON = (
    "**Frames** are the 15 Policy Frames of the Media Frames Corpus (Boydstun et al. 2014; Card et al. 2015): "
    "Economic; Capacity & resources; Morality; Fairness & equality; Legality, constitutionality & jurisprudence; "
    "Policy prescription & evaluation; Crime & punishment; Security & defense; Health & safety; Quality of life; "
    "Cultural identity; Public opinion; Political; External regulation & reputation; Other. **Lexicon method:** "
    "an article *uses* a frame when at least 3 of its tokens are terms of that frame's lexicon (the rule of "
    "Field et al. 2018; the store's threshold is in the caption); it uses *Other* when it uses none of the 14. "
    "An article can use several frames, so shares do not add up to 100 %. The frame lexicon "
    "(`data/frames/frames.csv`, about 300 terms written by this project for international news) is matched "
    "like the loaded-wording lexicon: whole words, case and hyphens folded, longest term first (\"war crimes\" "
    "is Crime & punishment, not also *war*). It is a **lexicon proxy**: it measures vocabulary, not an "
    "annotator's reading of the article; its agreement with human frame labels is measured by "
    "`framewatch evaluate` (docs/validation.md) and shown below when a report exists.")
FRAMES_VOICE = (
    "**Voice:** tokens are counted in the voice chosen in the sidebar. With *outlet* (the default) an article "
    "uses a frame only when 3 of the outlet's *own* words are frame terms, so quoting a general about troops "
    "and missiles does not make the outlet frame the story as Security & defense; *all* counts every token, "
    "as Field et al. did (and as `article_frames` stores it). The **model** method (after "
    "`framewatch frames train` and `apply`) decides from the whole text, so the voice filter does not apply "
    "to it, and only the articles the model scored are counted.")
FRAMES_SHARE = (
    "**Share of articles using a frame** = Σ articles using it / Σ scored articles of the outlet in the "
    "period (or the whole selection in the heatmap), with a 95 % Wilson score interval and its n. A period "
    "with no articles is a gap, never 0 %. Over time, each outlet has its own panel; the grey line in each is "
    "the frame's share in all selected outlets' articles together (Σ over the outlets, per period). "
    "**Evidence:** the Concordance shows the frame's tokens in exactly the articles that count as using it (in the chosen voice); articles below the threshold are not evidence, "
    "and their tokens are not in the heatmap's token count either, so a cell's hover and its Concordance agree. "
    "The sidebar's lexicon categories belong to loaded wording and do not apply to frames.")
FRAMES_HEATMAP = (
    "**Outlets × frames colour:** every cell reads the outlet's share of articles using the frame and its k/n. By "
    "default its colour is that share minus the frame's share in all selected outlets' articles together (Σ "
    "articles using it / Σ scored articles), in percentage points, on a diverging scale centred on 0 (blue: more "
    "often than the selection as a whole, red: less often), so each frame's column shows which outlets lean on "
    "it however common the frame is. *Share of articles* colours the share itself on one scale instead, where "
    "the most used frame sets the top; with a single outlet selected it is the only colour (the difference "
    "would be 0 in every cell). Outlets with fewer articles in the selection than the page's minimum "
    "(10 unless changed) are grey: one article moves their shares by many points. The CSV holds both values "
    "(`share`, `difference_points`, with `selection_share` and `few_articles`).")
FRAMES_NOTE = "\n\n".join([FRAMES_LEXICON, FRAMES_VOICE, FRAMES_SHARE, FRAMES_HEATMAP, TOPICS, WIRE])
FRAMES_MODEL = (
    "**Model method** (`framewatch frames train`, then `apply`): TF-IDF over word 1-2-grams and one linear SVM "
    "per frame, each calibrated by Platt scaling, trained on your own labelled articles (Card et al. 2015 trained "
    "such classifiers on the Media Frames Corpus). An article uses a frame when the calibrated probability is at "
    "least 0.5. Only the frames the model was trained on are scored: a frame with fewer than 5 labelled "
    "articles (at 5 folds) is left out of the model, not given 0. The cross-validated precision, recall and F1 of "
    "each frame, beside the F1 of giving every article the frame, are printed by `train`, saved as "
    "`<model>.metrics.csv`, and kept with the model card in the store's `runs` table (stage `frames apply`). "
    "The model reads the whole text, headline and body, so the voice filter does not apply and it has no "
    "tokens to show as evidence.")

ALL_NOTES = "\n\n".join([RATE, SHARE, POOLED, PANELS, AXIS, GAPS, VOICE, NAMES, TOPICS, MATRIX, WIRE, CONCORDANCE, REPUBLICATION, TOPIC_DISCOVERY, DISTINCTIVE,
                          TONE_TARGETS, TONE_SCORE, TONE_MEASURES,
                          WORD_CHOICE, WORD_CHOICE_INTERVAL, WORD_CHOICE_PANELS, FRAMES_LEXICON, FRAMES_VOICE, FRAMES_SHARE, FRAMES_HEATMAP,
                          FRAMES_MODEL])
DISTINCTIVE_NOTE = "\n\n".join([DISTINCTIVE, VOICE, TOPICS, WIRE])
CONCORDANCE_NOTE = "\n\n".join([CONCORDANCE, VOICE, NAMES, TOPICS, WIRE])

TONE_NOTE = "\n\n".join([TONE_TARGETS, TONE_SCORE, TONE_MEASURES, TOPICS, WIRE])


SYNTHETIC_BANNER = "Synthetic demo data — fictional outlets generated by framewatch; not real news."


FRAMES_MODEL_NOTE = "\n\n".join([FRAMES_MODEL, FRAMES_HEATMAP, TOPICS, WIRE])


def model_facts(card: dict | None) -> str:
    """One line on the frame model whose rows the store holds, from its card
    (:func:`pipelines.frame_model.latest_model_card`): model file and hash, when it was trained,
    on how many labelled articles, its cross-validated macro F1 (beside always-yes), and the
    frames it left out with the reason. ``"model card not recorded"`` for None."""
    from pipelines.frames import FRAMES

    from .render import md_escape

    if not card:
        return "model card not recorded"
    cv = card.get("cross_validation") or {}
    sha = md_escape(str(card.get("model_sha256") or "")[:12])
    text = (f"model {md_escape(card.get('model_file') or 'unknown file')}" + (f" (sha256 {sha}…)" if sha else "")
            + f", trained {md_escape(str(card.get('created_at', 'unknown'))[:10])} on "
              f"{int(card.get('n_articles', 0)):,} labelled articles of "
              f"{md_escape(card.get('training_file', 'unknown'))}, cross-validated macro F1 "
              f"{cv.get('macro_f1', float('nan')):.2f} (always-yes {cv.get('macro_baseline_f1', float('nan')):.2f}, "
              f"{cv.get('folds', '?')} folds)")
    skipped = card.get("frames_skipped") or {}
    if skipped:
        text += "; left out in training: " + "; ".join(f"{md_escape(FRAMES.get(k, k))} ({md_escape(why)})"
                                                        for k, why in skipped.items())
    return text


def validated(measure: str, lexicon_version: str | None = None) -> str:
    """The current validation figures for *measure* (``"lexicon"`` or ``"frames"``), from
    ``docs/validation.json`` (written by ``framewatch evaluate``), as a paragraph to append to
    that measure's method note: ``""`` when there is no report. *lexicon_version* is the
    store's (for ``"frames"``, its frame lexicon's ``frames-`` version); the paragraph says when
    it is not the lexicon that was validated."""
    from pipelines.evaluate import read_validation, validation_summary

    text = validation_summary(read_validation(), measure, lexicon_version)
    return "\n\n" + text if text else ""
