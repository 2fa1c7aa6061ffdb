import random
import re

import pytest

from crawler.page.probe import probe_key, probe_url


@pytest.mark.parametrize(
    ("url", "shape", "key"),
    [
        ("https://www.rfi.fr/fr/afrique/20240105-some-slug", r"/fr/afrique/\d{8}-[a-z]{4}-[a-z]{4}$",
         ("www.rfi.fr", "/fr/afrique/")),
        ("http://127.0.0.1:8080/en/world/story.html", r"/en/world/[a-z]{5}-[a-z]{12}\.html$",
         ("127.0.0.1:8080", "/en/world/")),
        ("https://x.org/2024/01/02/slug/", r"/2024/01/02/[a-z]{4}-[a-z]{12}/$", ("x.org", "/2024/01/02/")),
        ("https://x.org/a/12345678", r"/a/\d{8}$", ("x.org", "/a/")),
    ],
)
def test_probe_keeps_directory_and_shape(url: str, shape: str, key: tuple[str, str]) -> None:
    probe = probe_url(url, random.Random(7))
    assert re.search(shape, probe), probe
    assert probe != url
    assert probe_key(url) == key == probe_key(probe)


def test_probes_differ_between_calls() -> None:
    rng = random.Random(1)
    url = "https://www.rfi.fr/fr/afrique/20240105-some-slug"
    assert len({probe_url(url, rng) for _ in range(20)}) == 20
