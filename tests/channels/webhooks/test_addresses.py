"""The private-network guard: every way of writing an address inside a private network is
refused (unless allowed), a name is judged by every address it resolves to, and the POST
goes to the address that was judged."""

from __future__ import annotations

import pytest

from channels.webhooks.addresses import RefusedAddress, Target, numeric_ipv4, resolve


def _nothing(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} is an address: nothing to resolve")


@pytest.mark.parametrize("url, address", [
    ("http://127.0.0.1/hook", "127.0.0.1"),  # loopback
    ("http://localhost:8080/hook", "127.0.0.1"),
    ("http://10.1.2.3/", "10.1.2.3"),  # private
    ("http://172.16.0.9/", "172.16.0.9"),
    ("http://192.168.1.20/", "192.168.1.20"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # link-local: cloud metadata
    ("http://100.64.0.1/", "100.64.0.1"),  # CGNAT
    ("http://224.0.0.251/", "224.0.0.251"),  # multicast
    ("http://240.0.0.1/", "240.0.0.1"),  # reserved
    ("http://0.0.0.0/", "0.0.0.0"),  # unspecified
    ("http://192.0.2.10/", "192.0.2.10"),  # documentation
    ("http://[::1]/", "::1"),
    ("http://[fc00::5]/", "fc00::5"),  # unique local
    ("http://[fe80::1]/", "fe80::1"),
    ("http://[ff02::1]/", "ff02::1"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),  # IPv4-mapped
    ("http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe"),  # mapped 169.254.169.254, in hex
    ("http://[2002:c0a8:0101::1]/", "2002:c0a8:101::1"),  # 6to4 around 192.168.1.1
    ("http://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"),  # NAT64 around 10.0.0.1
    ("http://2130706433/", "127.0.0.1"),  # decimal
    ("http://0177.0.0.1/", "127.0.0.1"),  # octal
    ("http://0x7f.0x0.0x0.0x1/", "127.0.0.1"),  # hex
    ("http://0x7f000001/", "127.0.0.1"),
    ("http://127.1/", "127.0.0.1"),  # short form
    ("http://10.1/", "10.0.0.1"),
    ("http://0251.0376.0251.0376/", "169.254.169.254"),
])
def test_private_addresses_in_every_form_are_refused(url: str, address: str) -> None:
    resolver = (lambda host, port: ["127.0.0.1"]) if "localhost" in url else _nothing
    with pytest.raises(RefusedAddress) as refused:
        resolve(url, resolver=resolver)
    assert (refused.value.code, refused.value.detail) == ("private", address)


def test_a_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    def rebinding(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(RefusedAddress) as refused:
        resolve("https://hooks.example.com/desk", resolver=rebinding)
    assert refused.value.detail == "10.0.0.7"
    with pytest.raises(RefusedAddress):
        resolve("https://hooks.example.com/", resolver=lambda host, port: ["::ffff:192.168.0.1"])


def test_a_public_name_gives_the_address_to_connect_to() -> None:
    target = resolve("https://hooks.example.com:8443/desk?team=1",
                     resolver=lambda host, port: ["93.184.216.34"])
    assert target == Target("https", "hooks.example.com", 8443, "/desk?team=1", "93.184.216.34")
    assert target.host_header == "hooks.example.com:8443"
    assert resolve("http://[2606:4700::1111]/", resolver=_nothing).host_header == "[2606:4700::1111]"


def test_an_admin_may_allow_private_networks() -> None:
    target = resolve("http://localhost:9000/hook", allow_private=True,
                     resolver=lambda host, port: ["127.0.0.1"])
    assert (target.address, target.port, target.host_header) == ("127.0.0.1", 9000, "localhost:9000")


@pytest.mark.parametrize("url, code", [
    ("ftp://93.184.216.34/", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:6379/", "scheme"),
    ("http://user:pw@93.184.216.34/", "credentials"),
    ("http:///nohost", "host"),
    ("http://93.184.216.34:99999/", "host"),
    ("http://999.1.1.1/", "unresolvable"),
])
def test_what_is_not_an_http_address_is_refused(url: str, code: str) -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")
    with pytest.raises(RefusedAddress) as refused:
        resolve(url, allow_private=True, resolver=nowhere)
    assert refused.value.code == code


def test_numbers_are_read_as_the_c_library_reads_them() -> None:
    assert str(numeric_ipv4("3232235777")) == "192.168.1.1"
    assert str(numeric_ipv4("192.168.257")) == "192.168.1.1"
    assert numeric_ipv4("1.2.3.4.5") is None and numeric_ipv4("256.1.1.1") is None
    assert numeric_ipv4("example.com") is None and numeric_ipv4("08.1.1.1") is None
