"""The screening summary PDF, read back with pypdf: content, structure and metadata."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
import weasyprint
from weasyprint.formatting_structure import boxes

from reports import pdf
from reports.context import (
    AlarmAcknowledgement,
    EarlierScreening,
    EnteredInError,
    ReportPatient,
    ReviewSignOff,
    report_context,
)
from screening.instruments import get_instrument
from tests.reports.builders import (
    BUSY_SCORES,
    busy_result,
    earlier_result,
    full_document,
    minimal_document,
    quiet_result,
)
from tests.reports.pdfs import flat, page_texts, reader_of, text_of

DOMAIN_TITLES = {
    "bloating": "Bloating",
    "sensitivities": "Food sensitivities",
    "fatigue": "Energy and thinking",
    "skin": "Skin",
    "mood": "Mood and food anxiety",
    "immune": "Immune system",
}


def busy_context(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "document": full_document(),
        "result": busy_result(),
        "patient": ReportPatient(name="Ada Example", birth_date="1971-05-02", external_id="EXT-7"),
        "clinic_name": "Gut Health Practice",
        "earlier": EarlierScreening(completed_on="2025-06-01", result=earlier_result()),
        "practitioner_notes": "Discussed the food diary; review in six weeks.",
    }
    arguments.update(overrides)
    return report_context(**arguments)


@pytest.fixture(scope="module")
def busy_pdf() -> bytes:
    return pdf.render_pdf(busy_context())


@pytest.fixture(scope="module")
def quiet_pdf() -> bytes:
    return pdf.render_pdf(report_context(document=minimal_document(), result=quiet_result()))


def test_it_shows_every_domain_with_its_score_and_band(busy_pdf: bytes) -> None:
    text = flat(text_of(busy_pdf))
    for domain, (score, band) in BUSY_SCORES.items():
        assert f"{DOMAIN_TITLES[domain]} score {score} of 100 · {band.capitalize()}" in text


def test_it_explains_each_pattern_with_the_answers_in_the_instruments_words(
    busy_pdf: bytes,
) -> None:
    text = flat(text_of(busy_pdf))
    assert "Possible pattern: Bloating out of proportion to what is eaten" in text
    assert "Bloating after drinking only water: sometimes" in text
    assert "Bloating after small meals: often" in text
    assert "Stomach feels always slightly on: quite a bit" in text
    assert "Foods that give symptoms: Dairy, since 2026, eaten without trouble before" in text
    assert "Relief from elimination: yes, but only for a while" in text
    assert "Diagnosed skin conditions: Atopic dermatitis (eczema), Rosacea" in text
    assert "Usual hours of sleep: 8 hours" in text


def test_it_leads_with_the_alarm_box_listing_each_feature_when_refer_first(
    busy_pdf: bytes,
) -> None:
    first_page = flat(page_texts(busy_pdf)[0])
    assert "Alarm features: refer first" in first_page
    assert first_page.index("Alarm features") < first_page.index("Screening summary")
    assert "medical evaluation is recommended before symptoms are attributed" in first_page
    for feature in (
        "Unintentional weight loss",
        "Anaemia or iron deficiency",
        "Gut symptoms that began at age 50 or later (in 2024, born 1971)",
    ):
        assert feature in first_page


def test_it_has_no_alarm_box_without_refer_first(quiet_pdf: bytes) -> None:
    result = busy_result(refer_first=False)
    content = pdf.render_pdf(busy_context(result=result))
    for text in (text_of(content), text_of(quiet_pdf)):
        assert "Alarm features" not in text
        assert "medical evaluation" not in text


def test_it_numbers_every_page_n_of_m_beside_the_disclaimer(busy_pdf: bytes) -> None:
    pages = page_texts(busy_pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "A screening, not a diagnosis." in text
        assert "Ada Example · EXT-7 · 24 November 2026" in text


def test_it_compares_each_domain_with_the_earlier_screening(busy_pdf: bytes) -> None:
    text = flat(text_of(busy_pdf))
    assert "Compared with the screening of 1 June 2025" in text
    assert "Bloating 50 (Moderate) 63 (Moderate) +13 higher" in text
    assert "Energy and thinking 56 (Moderate) 44 (Mild) -12 lower" in text
    assert "Immune system 13 (Minimal) 13 (Minimal) 0 unchanged" in text


def test_it_has_no_comparison_for_a_first_screening(quiet_pdf: bytes) -> None:
    assert "Compared with" not in text_of(quiet_pdf)


def test_it_shows_the_header_phq4_factors_points_notes_and_food_timeline(busy_pdf: bytes) -> None:
    text = flat(text_of(busy_pdf))
    for expected in (
        "Gut Health Practice",
        "Patient Ada Example",
        "Birth date 2 May 1971",
        "External id EXT-7",
        "Date of the intake 24 November 2026",
        "Gut barrier intake, version 1",
        "Scoring engine 1.0.0",
        "PHQ-2 (low mood) 2 of 6",
        "GAD-2 (anxiety) 4 of 6 screen positive",
        "PHQ-4 total 6 of 12 moderate",
        "Antibiotics: Antibiotic courses in the last 12 months: 2 courses",
        "Points to discuss",
        "Glutamine and zinc.",
        "Practitioner's notes",
        "Discussed the food diary; review in six weeks.",
        "Food sensitivities by year of onset",
        "2026 Dairy (tolerated before)",
        "Other food number 16",
    ):
        assert expected in text, expected


def test_discussion_points_are_points_to_discuss_never_prescriptions(busy_pdf: bytes) -> None:
    text = flat(text_of(busy_pdf))
    assert "not a prescription" in text
    instrument = get_instrument("barrier-intake", 1)
    points = ("fibre", "polyphenols", "probiotics", "glutamine_zinc", "demulcents")
    for title, point in ((f.title, f.text) for f in map(instrument.findings.get, points) if f):
        assert f"{title}. {point}" in text
        for prescriptive in (" mg", " g ", "take ", "dose", "must ", "should "):
            assert prescriptive not in point.lower()


def test_free_text_is_escaped_and_shown_literally() -> None:
    markup = "<b>bold</b> & <i>x</i> \"quoted\" 'single' {{ 1|add:1 }} {% now %}"
    document = full_document(text=markup)
    rendered = pdf.render(
        busy_context(
            document=document,
            practitioner_notes=markup,
            patient=ReportPatient(name="<b>Ada</b> & Co", external_id="<i>7</i>"),
        )
    )
    text = flat(text_of(rendered.content))
    assert text.count(markup) >= 4  # three history answers and the notes
    assert "<b>Ada</b> & Co" in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in rendered.html
    assert "<b>bold</b>" not in rendered.html


def test_it_is_a_tagged_pdf_ua_with_title_author_and_language(busy_pdf: bytes) -> None:
    reader = reader_of(busy_pdf)
    catalog = reader.trailer["/Root"]
    assert reader.metadata.title == "Screening summary: Ada Example, 24 November 2026"
    assert reader.metadata.author == "Gut Health Practice"
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"] is True or catalog["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert "/StructTreeRoot" in catalog
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()


def test_it_embeds_the_result_document_as_a_json_attachment(busy_pdf: bytes) -> None:
    attachments = reader_of(busy_pdf).attachments
    assert list(attachments) == ["screening-result.json"]
    assert b'"overall":"multi_domain"' in attachments["screening-result.json"][0]


def test_the_same_context_renders_the_same_bytes() -> None:
    first = pdf.render_pdf(busy_context())
    assert pdf.render_pdf(busy_context()) == first


def test_it_renders_the_same_bytes_whatever_the_clock_says() -> None:
    # Without libharfbuzz-subset, fontTools subsets the fonts and would date each subset.
    with time_machine.travel("2026-11-24 10:00:00Z", tick=False):
        first = pdf.render_pdf(busy_context())
    with time_machine.travel("2027-03-01 18:30:45Z", tick=False):
        assert pdf.render_pdf(busy_context()) == first


def test_the_overview_chart_is_inline_svg_drawn_from_the_scores() -> None:
    rendered = pdf.render(busy_context())
    svg = rendered.html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<image" not in svg and "href" not in svg
    # Skin, 81 of 100 on a 420 px scale.
    assert 'width="340.2"' in svg
    assert "Domain scores out of 100: Bloating 63 (Moderate);" in svg
    assert rendered.fetcher.requested == []


LONG_ANSWERS = {
    "one unbroken word": "x" * 2000,
    "spaced letters": "a " * 1000,
    "only spaces": " " * 2000,
    "only newlines": "\n" * 2000,
    "tabs": "\t" * 2000,
    "combining marks": ("ab\u0301 " * 700)[:2000],
    "emoji": "\U0001f44d" * 1000,
    "right to left": ("مرحبا" * 400)[:2000],
    "markup": ("<table><tr><td>" * 200)[:2000],
    "control characters": "".join(chr(code % 32) for code in range(2000)),
}


@pytest.mark.parametrize("answer", LONG_ANSWERS.values(), ids=LONG_ANSWERS.keys())
def test_a_2000_character_answer_of_any_content_stays_inside_the_page(answer: str) -> None:
    context = busy_context(
        document=full_document(text=answer),
        practitioner_notes=answer,
        review=ReviewSignOff(reviewed_at="2026-11-26T09:05:00", reviewer=answer[:300]),
        alarm_acknowledgement=AlarmAcknowledgement(
            action="Other (described in the note)",
            note=answer[:1000],
            acknowledged_by=answer[:300],
            acknowledged_at="2026-11-25T16:40:00",
        ),
        entered_in_error=EnteredInError(
            marked_at="2026-11-27T08:00:00", marked_by=answer[:300], reason=answer[:500]
        ),
    )
    document = weasyprint.HTML(string=pdf.render_html(context), url_fetcher=pdf.AssetFetcher())
    rendered = document.render()
    assert len(rendered.pages) <= 8
    for page in rendered.pages:
        page_box = page._page_box
        right_edge = page_box.content_box_x() + page_box.width
        for box in page_box.descendants():
            if isinstance(box, boxes.TextBox):
                # One pixel of slack for sub-pixel shaping of joined scripts.
                assert box.position_x + box.width <= right_edge + 1, box.text[:40]


def test_the_minimal_report_is_short_and_complete(quiet_pdf: bytes) -> None:
    text = flat(text_of(quiet_pdf))
    assert "Patient Patient not named" in text
    assert "Birth date not given" in text
    assert "No possible pattern in this domain." in text
    assert "Contributing factors None reported." in text
    assert "In the patient's words" not in text
    assert "Practitioner's notes" not in text
    assert len(reader_of(quiet_pdf).pages) <= 3


def test_the_renderer_requires_weasyprint_70_or_later() -> None:
    version = tuple(int(part) for part in weasyprint.__version__.split(".")[:2])
    assert version >= pdf.MINIMUM_WEASYPRINT == (70, 0)
