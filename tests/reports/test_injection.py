"""Hostile free text in every field of the report: nothing fetched, nothing embedded.

Each payload goes into every free-text item at once (the three history answers, a food's name,
the practitioner's notes, the reviewer's name, the note and name of the acknowledgement of alarm
features, the reason and name of an entered-in-error mark, and the patient's and clinic's names). The PDF must contain none of a
canary file's bytes, the renderer's fetcher must record no request, and a loopback HTTP server
named by the payloads must receive none.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import weasyprint

from reports import pdf
from reports.context import (
    AlarmAcknowledgement,
    EnteredInError,
    ReportPatient,
    ReviewSignOff,
    report_context,
)
from tests.reports.builders import busy_result, full_document
from tests.reports.pdfs import decoded_streams, flat, reader_of, text_of

PAYLOADS = (
    '<img src="file://{canary}">',
    "<img src=file://{canary}>",
    '<img src="{origin}/img.png">',
    '<img srcset="{origin}/srcset.png 1x">',
    '<link rel=stylesheet href="{origin}/link.css">',
    '<link rel="stylesheet" href="file://{canary}">',
    '<link rel="attachment" href="file://{canary}">',
    '<a rel="attachment" href="file://{canary}">attached</a>',
    '<object data="file://{canary}"></object>',
    '<object data="{origin}/object" type="image/svg+xml"></object>',
    '<embed src="file://{canary}">',
    '<iframe src="{origin}/iframe"></iframe>',
    '<style>@import url("{origin}/import.css");</style>',
    '<style>@import "file://{canary}";</style>',
    '@import url("{origin}/bare-import.css");',
    '<p style="background:url({origin}/background.png)">styled</p>',
    "<p style=\"background-image:url('file://{canary}')\">styled</p>",
    '<div style="list-style-image:url(file://{canary})">x</div>',
    '<div style="content:url({origin}/content)">x</div>',
    '<div style="border-image:url({origin}/border) 30">x</div>',
    "<style>@font-face{{font-family:x;src:url({origin}/font.woff)}}p{{font-family:x}}</style>",
    '<svg><image href="file://{canary}" width="10" height="10"/></svg>',
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="{origin}/svg.png"/></svg>',
    '<svg><use href="file://{canary}#x"/></svg>',
    "<svg><style>@import url({origin}/svg-style.css);</style></svg>",
    "<script>fetch('{origin}/script')</script>",
    '<script src="{origin}/script.js"></script>',
    '<base href="{origin}/"><img src="relative.png">',
    '<meta http-equiv="refresh" content="0;url={origin}/refresh">',
    '<video poster="{origin}/poster.png"></video>',
    '<input type="image" src="{origin}/input.png">',
    '"><img src="file://{canary}">',
    '</p></section></body><img src="file://{canary}">',
    ']]><![CDATA[<img src="file://{canary}">',
    '<!-- --><img src="{origin}/comment.png"><!-- -->',
    '&lt;img src="file://{canary}"&gt;',
    "data:text/html,<img src=file://{canary}>",
    "url(file://{canary})",
    '<template><img src="{origin}/template.png"></template>',
    '\u202e<img src="file://{canary}">\u202c',
    "{{% include '{canary}' %}}{{{{ request }}}}",
)


@dataclass
class Witness:
    """A canary file and a loopback HTTP server that record any leak."""

    canary_path: Path
    canary_token: bytes
    origin: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def witness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Witness]:
    token = b"CANARY-" + secrets.token_hex(16).encode()
    canary = tmp_path_factory.mktemp("canary") / "secret.css"
    canary.write_bytes(b"p { color: red } /* " + token + b" */\n")
    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Witness(canary_path=canary, canary_token=token, origin=origin, requests=requests)
    finally:
        server.shutdown()
        server.server_close()


def leaked(content: bytes, token: bytes) -> bool:
    return token in content or any(token in stream for stream in decoded_streams(content))


def test_the_witnesses_see_an_unrestricted_renderer_leak(witness: Witness) -> None:
    # The same HTML given straight to WeasyPrint, unescaped and with its default fetcher,
    # fetches from the server and embeds the canary: the checks below can see a leak.
    html = (
        f'<p><img src="{witness.origin}/control.png">'
        f'<a rel="attachment" href="file://{witness.canary_path}">x</a></p>'
    )
    content = weasyprint.HTML(string=html).write_pdf()
    assert "/control.png" in witness.requests
    assert leaked(content, witness.canary_token)
    witness.requests.clear()


def hostile_context(payload: str) -> dict[str, Any]:
    document = full_document(text=payload)
    foods = document["answers"]["sensitivities.foods"]
    foods[-1] = {**foods[-1], "name": payload[:100]}
    return report_context(
        document=document,
        result=busy_result(),
        patient=ReportPatient(
            name=payload[:100], birth_date="1970-01-01", external_id=payload[:64]
        ),
        clinic_name=payload[:200],
        practitioner_notes=payload,
        review=ReviewSignOff(reviewed_at="2026-11-26T09:05:00", reviewer=payload[:300]),
        alarm_acknowledgement=AlarmAcknowledgement(
            action="Referred to a doctor",
            note=payload[:1000],
            acknowledged_by=payload[:300],
            acknowledged_at="2026-11-25T16:40:00",
        ),
        entered_in_error=EnteredInError(
            marked_at="2026-11-27T08:00:00", marked_by=payload[:300], reason=payload[:500]
        ),
    )


def test_the_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("template", PAYLOADS)
def test_a_hostile_answer_is_shown_as_text_and_fetches_nothing(
    template: str, witness: Witness
) -> None:
    payload = template.format(canary=witness.canary_path, origin=witness.origin)
    fetcher = pdf.AssetFetcher()

    rendered = pdf.render(hostile_context(payload), fetcher=fetcher)

    assert fetcher.requested == []
    assert witness.requests == []
    assert not leaked(rendered.content, witness.canary_token)
    # shown literally: the markup is text in the HTML and in the PDF
    assert "<img" not in rendered.html.split("<body>", 1)[1].replace("&lt;img", "")
    printable = flat("".join(ch for ch in payload if ch.isprintable()))
    assert printable[:30] in flat(text_of(rendered.content))


RECORD_PAYLOAD = (
    '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
    "<a href='file:///etc/passwd'>x</a> url(file:///etc/passwd) {{ request }} & done"
)


def test_the_review_acknowledgement_and_mark_print_hostile_text_as_text() -> None:
    # given markup and file references in each free text of the clinic's record
    fetcher = pdf.AssetFetcher()
    context = report_context(
        document=full_document(),
        result=busy_result(),
        practitioner_notes=f"notes {RECORD_PAYLOAD}",
        review=ReviewSignOff(reviewed_at="2026-11-26T09:05:00", reviewer=f"rev {RECORD_PAYLOAD}"),
        alarm_acknowledgement=AlarmAcknowledgement(
            action="Other (described in the note)",
            note=f"ack {RECORD_PAYLOAD}",
            acknowledged_by=f"by {RECORD_PAYLOAD}",
            acknowledged_at="2026-11-25T16:40:00",
        ),
        entered_in_error=EnteredInError(
            marked_at="2026-11-27T08:00:00", reason=f"why {RECORD_PAYLOAD}"
        ),
    )
    # when rendered
    rendered = pdf.render(context, fetcher=fetcher)
    # then nothing is fetched or attached, and each is printed as it was typed
    assert fetcher.requested == []
    assert list(reader_of(rendered.content).attachments) == ["screening-result.json"]
    body = rendered.html.split("<body>", 1)[1]
    assert "<img" not in body and "<link" not in body and "<a " not in body
    text = text_of(rendered.content)
    unspaced = "".join(text.split())  # a line may break anywhere in a long reference
    for prefix in ("notes", "rev", "ack", "by", "why"):
        assert "".join(f"{prefix} {RECORD_PAYLOAD}".split()) in unspaced, prefix
    assert "root:" not in text


def test_the_fetcher_serves_packaged_assets_only() -> None:
    fetcher = pdf.AssetFetcher()
    response = fetcher.fetch("asset:report.css")
    assert response.read() == pdf.ASSETS["report.css"][0]
    refused = (
        "asset:../pdf.py",
        "asset:/etc/passwd",
        "asset:missing.css",
        "file:///etc/passwd",
        f"file://{pdf.ASSETS_DIR / 'report.css'}",
        "http://127.0.0.1/",
        "https://example.org/x.css",
        "data:text/css,p{}",
        "ftp://127.0.0.1/x",
    )
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == list(refused)
    assert fetcher.requested == ["asset:report.css", *refused]
