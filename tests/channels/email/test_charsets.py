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
