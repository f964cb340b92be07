from __future__ import annotations

from channels.email.markup import sanitise, to_text


def test_sanitised_html_has_no_script_handlers_javascript_or_frames() -> None:
    html = sanitise('<p onclick="x()">hi<script>bad()</script></p><a href="javascript:x">l</a>'
                    '<iframe src="https://evil.test"></iframe><img src="cid:logo@x">')  # fmt: skip
    for forbidden in ("onclick", "<script", "bad()", "javascript:", "<iframe"):
        assert forbidden not in html
    assert 'src="cid:logo@x"' in html  # inline images stay resolvable


def test_text_from_html_keeps_paragraphs_and_drops_style_and_script() -> None:
    html = "<style>p{}</style><p>Hello&nbsp;there</p><p>line<br>two</p><script>x</script>"
    assert to_text(html) == "Hello there\n\nline\ntwo"
