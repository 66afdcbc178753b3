from __future__ import annotations

from xianfeng.tests.assets import asset_urls, external_assets


def test_finds_scripts_styles_images_and_css_urls() -> None:
    html = (
        '<link rel="stylesheet" href="/static/a.css"><script src="/static/b.js"></script>'
        "<img alt='x' src='https://cdn.example.com/c.png'>"
        '<style>.x{background:url("//fonts.example.com/f.woff2")}</style>'
        '<a href="https://example.com/page">not fetched</a>'
        '<input name="csrfmiddlewaretoken" value="abcdncdn">'
    )
    assert asset_urls(html) == [
        "/static/a.css",
        "/static/b.js",
        "https://cdn.example.com/c.png",
        "//fonts.example.com/f.woff2",
    ]
    assert external_assets(html) == ["https://cdn.example.com/c.png", "//fonts.example.com/f.woff2"]
