from __future__ import annotations

import pytest

from channels.email import charsets


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "x-gbk", "gbk", "cp936", '"gb2312"'])
def test_gb_labels_read_as_gb18030_so_gbk_only_characters_survive(label: str) -> None:
    assert charsets.decode("王喆 李堃".encode("gbk"), label) == "王喆 李堃"


def test_a_utf8_body_labelled_us_ascii_is_read_as_utf8() -> None:
    assert charsets.decode("naïve café".encode(), "us-ascii") == "naïve café"


@pytest.mark.parametrize("label", ["unknown-8bit", "", None, "x-no-such-charset"])
def test_unknown_labels_are_guessed(label: str | None) -> None:
    assert charsets.decode("发票".encode("gbk"), label) == "发票"
    assert charsets.decode("发票".encode(), label) == "发票"


def test_utf8_and_big5_aliases() -> None:
    assert charsets.decode("好".encode(), "utf8") == "好"
    assert charsets.decode("臺灣".encode("big5"), "big5") == "臺灣"


@pytest.mark.parametrize("text, codec", [
    ("Grüße aus München", "latin-1"),
    ("Hofjägeralle 12.pdf", "latin-1"),
    ("Réponse à votre e-mail", "cp1252"),
    ("Zażółć gęślą jaźń", "cp1250"),
    ("ツール", "shift_jis"),
    ("ツールのご案内", "shift_jis"),
    ("日本語のテキスト", "euc_jp"),
    ("关于发票的问题", "gbk"),
    ("王喆 李堃", "gbk"),
    ("關於發票的問題", "big5"),
    ("Привет мир", "cp1251"),
    ("Привет мир", "koi8-r"),
])
def test_unlabelled_bytes_are_read_in_the_script_they_look_like(text: str, codec: str) -> None:
    # No fixed order: German and Japanese used to come out as Chinese (GB18030 tried first).
    assert charsets.guess(text.encode(codec)) == text


def test_the_charsets_a_message_declares_elsewhere_decide_what_looks_alike() -> None:
    hebrew, korean = "שלום עולם".encode("iso-8859-8"), "안녕하세요".encode("euc-kr")
    # Every EUC-KR and Hebrew byte pair is also GB2312: without evidence Chinese wins ...
    assert charsets.guess(korean) != "안녕하세요"
    # ... with the message's own labels as evidence, the language it declares does.
    assert charsets.guess(korean, charsets.Evidence(["ks_c_5601-1987"])) == "안녕하세요"
    assert charsets.guess(hebrew, charsets.Evidence(["iso-8859-8-i"])) == "שלום עולם"
    assert charsets.guess("ツール".encode("cp932"), charsets.Evidence(["iso-2022-jp"])) == "ツール"


def test_iso_2022_jp_reads_the_nec_special_characters_windows_sends() -> None:
    # "①Ⅱ" in JIS rows 13: Python's iso2022_jp codecs refuse them (CP50220 has them).
    raw = b"\x1b$B-!-6\x1b(B ok"
    assert charsets.decode(raw, "iso-2022-jp") == "①Ⅱ ok"
    assert charsets.decode("日本語".encode("iso2022_jp"), "ISO-2022-JP") == "日本語"


def test_seven_bit_bytes_a_label_cannot_read_are_never_passed_off_as_ascii() -> None:
    broken = b"\x1b$B%F%9\x1b(B and \x1b$Bzz\x1b(B"
    # Read as labelled with replacement, not as UTF-8 (which accepts any 7-bit bytes and
    # would show the escape sequences as the body).
    assert "\x1b" not in charsets.decode(broken, "iso-2022-jp")
    assert charsets.decode(broken, "iso-2022-jp").startswith("テス")


# --- the mailbox's language -------------------------------------------------------------

@pytest.mark.parametrize(("language", "codec", "text"), [
    ("ja", "cp932", "ｱﾝｹｰﾄご協力のお願い"),  # half-width katakana: Cyrillic without the hint
    ("ja", "euc_jp", "株式会社山田製作所"),  # EUC-JP kanji are GB2312 byte pairs
    ("zh-hant", "big5hkscs", "請問"),  # a tie that GB18030 wins without the hint
    ("ru", "cp1251", "Здравствуйте"),
    ("ru", "koi8_r", "здравствуйте"),
    ("tr", "cp1254", "Sipariş şikayeti"),  # windows-1252 reads ş as þ
    ("ko", "cp949", "안녕하세요 주문 확인 부탁드립니다"),
    ("el", "cp1253", "Καλημέρα, η παραγγελία μου δεν έφτασε"),
    ("he", "iso8859-8", "שלום, ההזמנה שלי לא הגיעה"),
    ("central-eu", "cp1250", "Dobrý den, objednávka nedorazila, děkuji"),
    ("ar", "cp1256", "مرحبا، لم يصل طلبي"),
    ("th", "cp874", "สวัสดีครับ"),  # Thai vowels and tones are marks (Mn) of the script
])
def test_the_mailbox_language_reads_what_the_common_order_gets_wrong(
        language: str, codec: str, text: str) -> None:
    data = text.encode(codec)
    assert charsets.guess(data) != text
    evidence = charsets.Evidence(language=language)
    assert charsets.guess(data, evidence) == text
    assert evidence.guessed


def test_the_language_is_a_preference_overwhelming_evidence_still_wins() -> None:
    german = "Die Lieferung für Größe 42 kam beschädigt an. Grüße aus München".encode("cp1252")
    chinese = "您好，我们的订单还没有收到，请帮忙查询一下。".encode("gb18030")
    for language in ("zh-hans", "zh-hant", "ja", "ko", "ru", "th"):
        assert charsets.guess(german, charsets.Evidence(language=language)).startswith("Die Lieferung für")
    for language in ("ja", "ru", "west-eu", "el", "th"):
        assert charsets.guess(chinese, charsets.Evidence(language=language)).startswith("您好")


def test_the_language_never_overrules_strict_utf8_or_what_the_mail_declares() -> None:
    utf8 = "Здравствуйте, 请问".encode()
    assert charsets.guess(utf8, charsets.Evidence(language="ja")) == "Здравствуйте, 请问"
    big5 = "請問".encode("big5")  # also GB2312 bytes: the mail that says gb2312 is Chinese
    declared = charsets.Evidence(["gb2312"], language="zh-hant")
    assert charsets.guess(big5, declared) == big5.decode("gb18030")
    assert charsets.decode(big5, "gb2312", declared) == big5.decode("gb18030")


def test_no_language_and_an_unknown_one_change_nothing() -> None:
    data = "請問".encode("big5")
    assert charsets.guess(data, charsets.Evidence(language="")) == charsets.guess(data)
    assert charsets.guess(data, charsets.Evidence(language="xx")) == charsets.guess(data)
    nothing = charsets.Evidence(language="ja")
    assert charsets.guess(b"plain ascii", nothing) == "plain ascii" and not nothing.guessed


@pytest.mark.parametrize("label", ["koi8-r", "KOI8-R", "koi8_r"])
def test_a_declared_koi8_r_reads_unlabelled_cyrillic_as_cyrillic(label: str) -> None:
    # A body part says koi8-r; a raw 8-bit subject in the same charset is read with it, not
    # scored as if the declared charset were a Latin one.
    text = "Счёт за март не пришёл"
    raw = text.encode("koi8_r")
    assert charsets.guess(raw, charsets.Evidence([label])) == text
