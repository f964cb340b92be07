from __future__ import annotations

from channels.email.markup import for_display, sanitise, to_text


def test_sanitised_html_has_no_script_handlers_javascript_or_frames() -> None:
    html = sanitise('<p onclick="x()">hi<script>bad()</script></p><a href="javascript:x">l</a>'
                    '<iframe src="https://evil.test"></iframe><img src="cid:logo@x">')  # fmt: skip
    for forbidden in ("onclick", "<script", "bad()", "javascript:", "<iframe"):
        assert forbidden not in html
    assert 'src="cid:logo@x"' in html  # inline images stay resolvable


def test_text_from_html_keeps_paragraphs_and_drops_style_and_script() -> None:
    html = "<style>p{}</style><p>Hello&nbsp;there</p><p>line<br>two</p><script>x</script>"
    assert to_text(html) == "Hello there\n\nline\ntwo"


def test_a_mails_colours_and_type_are_kept_and_nothing_that_moves_covers_or_loads() -> None:
    html = ('<p style="color:#c00; font-weight:bold; position:fixed; top:0; z-index:9">Urgent</p>'
            '<table><tr><td style="background-color:rgb(255, 240, 0); '
            'background-image:url(https://t.example/p.gif)">x</td></tr></table>'
            '<span style="color:expression(alert(1))">e</span>'
            '<div style="font-family:\\61 bc; text-align:center">d</div>')
    for shown in (sanitise(html), for_display(html, {}, {})[0]):
        assert 'style="color:#c00;font-weight:bold"' in shown
        assert "background-color:rgb(255, 240, 0)" in shown and "text-align:center" in shown
        for gone in ("position", "z-index", "url(", "t.example", "expression", "\\61"):
            assert gone not in shown, (gone, shown)
