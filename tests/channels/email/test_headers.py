from __future__ import annotations

from channels.email import headers


def test_adjacent_encoded_words_join_without_the_space_between_them() -> None:
    assert headers.decode("=?utf-8?B?5omT5Y2w?= =?utf-8?Q?=E6=9C=BA?= broken") == "打印机 broken"


def test_a_character_split_across_two_encoded_words_is_rejoined() -> None:
    raw = "打印机".encode("gbk")
    import base64

    first, second = base64.b64encode(raw[:3]).decode(), base64.b64encode(raw[3:]).decode()
    assert headers.decode(f"=?gbk?B?{first}?=\r\n =?gbk?B?{second}?=") == "打印机"


def test_raw_8bit_header_bytes_are_read_as_utf8_or_gb18030() -> None:
    as_parsed = "张伟".encode("gbk").decode("ascii", "surrogateescape")
    assert headers.decode(as_parsed) == "张伟"
    assert headers.decode("张伟".encode().decode("ascii", "surrogateescape")) == "张伟"


def test_an_encoded_display_name_and_its_address() -> None:
    assert headers.address('"=?gb2312?B?1cXOsA==?=" <zw@huaxin.test>') == ("张伟", "zw@huaxin.test")


def test_message_ids_are_taken_from_any_surrounding_noise() -> None:
    assert headers.message_ids("<a@x> (comment)\r\n <b@y>") == ("<a@x>", "<b@y>")
