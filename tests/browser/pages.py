"""Walking every page a person can reach, for the layout and accessibility tests.

``walk`` starts from the home page (and any extra addresses given), follows
every link of the portal's own pages that a GET can open and visits each kind
of page once: ``/bookings/17/`` and ``/bookings/18/`` are the same template,
so the walk keeps to ``PER_KIND`` of them. It never follows links
that change something on GET (there are none), leave the portal, download a
file or open the Django admin, whose pages are Django's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Page, expect

from portal import demo

PER_KIND = 1
MOST_PAGES = 60
NOT_FOLLOWED = re.compile(
    r"^/(admin|sandbox|logout|login|password-reset)/|\.(csv|ics)(\?|$)|[?&]format="
)
# axe-core as the axe-playwright-python package ships it: no network needed.
AXE_SCRIPT = (files("axe_playwright_python") / "axe.min.js").read_text()
# WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Problem:
    url: str
    width: int
    what: str

    def __str__(self) -> str:
        return f"{self.url} at {self.width} px: {self.what}"


def log_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def kind_of(url: str) -> str:
    """The page's template, more or less: numbers and query values left out."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({key for key, _value in parse_qsl(parts.query)})
    return path + ("?" + "&".join(keys) if keys else "")


def links(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(a => a.href)"
    )
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    found = []
    for href in hrefs:
        if not href.startswith(origin + "/"):
            continue
        parts = urlsplit(href)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if not NOT_FOLLOWED.search(local):
            found.append(local)
    return found


def walk(page: Page, extra: Iterable[str] = ()) -> Iterator[str]:
    """Opens each page reachable from home in turn and yields its address."""
    queue = ["/", *extra]
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    visited = 0
    while queue and visited < MOST_PAGES:
        url = queue.pop(0)
        kind = kind_of(url)
        if url in seen or kinds.get(kind, 0) >= PER_KIND:
            continue
        seen.add(url)
        kinds[kind] = kinds.get(kind, 0) + 1
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response}"
        visited += 1
        yield url
        queue.extend(u for u in links(page) if u not in seen)


def axe_problems(page: Page, width: int) -> list[Problem]:
    """Serious and critical WCAG violations axe-core finds on the open page."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Through the DevTools protocol, so the portal's CSP does not apply.
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        " id: v.id, impact: v.impact, help: v.help,"
        " where: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        AXE_TAGS,
    )
    return [
        Problem(page.url, width, f"{v['id']} ({v['impact']}): {v['help']} {v['where']}")
        for v in violations
        if v["impact"] in SERIOUS
    ]


def too_wide(page: Page, width: int) -> list[Problem]:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    if scroll_width <= inner_width:
        return []
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className)"
    )
    return [Problem(page.url, width, f"{scroll_width} px wide ({wide})")]


def structure_problems(page: Page, width: int) -> list[Problem]:
    """Headings that skip a level, tables without a caption or header cells."""
    found = page.evaluate(
        """() => {
          const problems = [];
          const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
            .filter(h => h.getClientRects().length);
          let level = 0;
          for (const h of headings) {
            const next = Number(h.tagName[1]);
            const name = h.tagName + ' "' + h.textContent.trim() + '"';
            if (level === 0 && next !== 1) problems.push('first heading ' + name);
            if (next > level + 1 && level > 0)
              problems.push(name + ' after h' + level);
            level = next;
          }
          for (const table of document.querySelectorAll('main table')) {
            if (!table.caption || !table.caption.textContent.trim())
              problems.push('a table without a caption');
            if (!table.querySelector('th'))
              problems.push('a table without header cells');
          }
          return problems;
        }"""
    )
    return [Problem(page.url, width, what) for what in found]


# Links and buttons that stand alone are 44 by 44 CSS px at least (WCAG 2.5.5);
# a link inside a sentence is as tall as its line, which WCAG allows.
SMALL_TARGETS = """() => {
  const small = [];
  const targets = document.querySelectorAll(
    'a[href], button, summary, select, textarea, input:not([type=hidden])');
  for (const el of targets) {
    if (!el.getClientRects().length) continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    if (el.type === 'radio' || el.type === 'checkbox') continue;  // the label counts
    const parent = el.parentElement;
    const own = el.textContent.trim().length;
    const around = parent ? parent.textContent.trim().length : own;
    const inline = getComputedStyle(el).display === 'inline';
    if (el.tagName === 'A' && around > own + 1 && inline) continue;  // in a sentence
    const box = el.getBoundingClientRect();
    if (box.width < 43.5 || box.height < 43.5)
      small.push(el.tagName.toLowerCase() + ' "' + (el.textContent.trim() || el.name)
        + '" ' + Math.round(box.width) + '×' + Math.round(box.height));
  }
  return small.slice(0, 5);
}"""


def small_targets(page: Page, width: int) -> list[Problem]:
    return [
        Problem(page.url, width, f"touch target too small: {what}")
        for what in page.evaluate(SMALL_TARGETS)
    ]
