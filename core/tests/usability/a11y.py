"""Accessibility checks run in the page (Playwright): names of fields, errors next to their fields,
keyboard-only use and visible focus, colour that is never the only signal, tablet layout.

Each check returns a list of problems in words (empty: the page passes), so that a test can walk
several pages and report every problem of every page at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The in-page helpers every check uses: which elements are form fields, whether an element is
# shown, an element described in words for a problem report, and the accessible name of a field
# from what ties it to a label (aria-labelledby, aria-label, <label for>, or a wrapping <label>).
_HELPERS = r"""
const FIELD = 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea';
const ERROR = '.invalid-feedback, .errorlist';
function shown(el) {
  if (!el || el.closest('[hidden]')) return false;
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
  }
  return el.getClientRects().length > 0;
}
function describe(el) {
  if (!el) return 'nothing';
  const name = el.getAttribute('name');
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (name ? `[name=${name}]` : '') +
    (el.tagName === 'BUTTON' || el.tagName === 'A' ? ` "${el.textContent.trim().slice(0, 40)}"` : '');
}
function text(el) { return (el.textContent || '').replace(/\s+/g, ' ').trim(); }
function accessibleName(el) {
  const labelledby = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
  const byIds = labelledby.map((id) => document.getElementById(id)).filter(Boolean).map(text).join(' ').trim();
  if (byIds) return byIds;
  const label = (el.getAttribute('aria-label') || '').trim();
  if (label) return label;
  if (el.id) {
    const tied = [...document.querySelectorAll(`label[for="${CSS.escape(el.id)}"]`)]
      .filter((l) => getComputedStyle(l).display !== 'none').map(text).join(' ').trim();
    if (tied) return tied;
  }
  const wrapping = el.closest('label');
  return wrapping ? text(wrapping) : '';
}
function describedBy(el) {
  return (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);
}
// What describes a field: its own aria-describedby, and that of the fieldset of its radio or
// checkbox group (Django puts a group's help text and errors on the <fieldset>).
function descriptions(el) {
  const group = el.closest('fieldset[aria-describedby]');
  return describedBy(el).concat(group ? describedBy(group) : []);
}
function fields(root) { return [...(root || document).querySelectorAll(FIELD)].filter(shown); }
"""

_NAMES = _HELPERS + r"""
() => {
  const problems = [];
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) problems.push(`duplicate id "${el.id}" (${describe(seen.get(el.id))} and ${describe(el)})`);
    seen.set(el.id, el);
  }
  for (const el of fields()) {
    if (!accessibleName(el)) problems.push(`${describe(el)} has no label tied to it`);
  }
  for (const el of [...document.querySelectorAll('button, a[href], [role=button]')].filter(shown)) {
    if (!accessibleName(el) && !text(el) && !el.getAttribute('title')) problems.push(`${describe(el)} has no name`);
  }
  return problems;
}
"""

_ERRORS = _HELPERS + r"""
() => {
  const problems = [];
  const all = fields();
  const messages = [...document.querySelectorAll(ERROR)].filter((e) => shown(e) && text(e));
  const outermost = messages.filter((e) => !messages.some((other) => other !== e && other.contains(e)));
  for (const message of outermost) {
    const ids = new Set([message, ...message.querySelectorAll('[id]')].map((e) => e.id).filter(Boolean));
    const tied = all.filter((f) => descriptions(f).some((d) => ids.has(d.id)));
    const words = `error "${text(message).slice(0, 60)}"`;
    if (tied.length) {
      for (const f of tied) {
        // Next to its field: the smallest element holding both holds no other field.
        let common = message.parentElement;
        while (common && !common.contains(f)) common = common.parentElement;
        const others = fields(common).filter((o) => o !== f && !(o.name && o.name === f.name));
        if (others.length) problems.push(`${words} is not next to ${describe(f)} (with ${describe(others[0])})`);
      }
      continue;
    }
    // Otherwise the message must be announced (role=alert / aria-live) inside the group of its fields.
    const live = message.closest('[role=alert], [aria-live]');
    const group = message.closest('tr, fieldset, .mb-3');
    if (!live || !group || !fields(group).length) problems.push(`${words} is tied to no field`);
  }
  for (const f of all.filter((f) => f.getAttribute('aria-invalid') === 'true')) {
    const errors = descriptions(f).filter((d) => shown(d) && text(d) && (d.matches(ERROR) || d.closest(ERROR)));
    if (!errors.length) problems.push(`${describe(f)} is aria-invalid but described by no shown error`);
  }
  for (const f of all) {
    const errors = descriptions(f).filter((d) => d.matches(ERROR) && shown(d) && text(d));
    if (errors.length && f.getAttribute('aria-invalid') !== 'true') problems.push(`${describe(f)} has an error but no aria-invalid="true"`);
  }
  for (const alert of [...document.querySelectorAll('main .alert-danger')].filter(shown)) {
    if (!alert.closest('[role=alert], [aria-live]')) problems.push(`form error "${text(alert).slice(0, 60)}" is not announced (role="alert")`);
  }
  const active = document.activeElement;
  const focused = active && active.getAttribute('aria-invalid') === 'true';
  const summary = [...document.querySelectorAll('main [role=alert]')].some((a) => shown(a) && text(a));
  if (!focused && !summary) problems.push(`the errors are not announced: focus is on ${describe(active)} and no role="alert" summary`);
  return {problems, messages: outermost.length, invalid: all.filter((f) => f.getAttribute('aria-invalid') === 'true').length};
}
"""

# The keyboard walk: every element that receives focus is logged with whether it shows a focus
# indicator (an outline or a box shadow in its computed style while focused).
_START_FOCUS_LOG = r"""
() => {
  window.__focusLog = [];
  if (window.__focusLogging) return;
  window.__focusLogging = true;
  document.addEventListener('focusin', (event) => {
    const el = event.target;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    window.__focusLog.push({el, indicator: outline || shadow});
  }, true);
}
"""

_WALK_RESULT = _HELPERS + r"""
([form, submit]) => {
  const problems = [];
  const log = window.__focusLog;
  const order = log.map((entry) => entry.el);
  const stop = (el) => el.type === 'radio' ? `radio:${el.name}` : el;
  const visited = order.map(stop);
  const wanted = [];
  const groups = new Set();
  for (const f of fields(form)) {
    if (f.disabled) continue;
    if (f.type === 'radio') { if (groups.has(f.name)) continue; groups.add(f.name); }
    wanted.push(stop(f));
  }
  wanted.push(submit);
  let position = -1;
  for (const w of wanted) {
    const at = visited.indexOf(w, position + 1);
    const el = typeof w === 'string' ? form.querySelector(`[name="${w.slice(6)}"]`) : w;
    if (at === -1) {
      problems.push(visited.includes(w) ? `${describe(el)} is reached out of order` : `${describe(el)} is never reached with Tab`);
    } else {
      position = at;
    }
  }
  for (const entry of log) {
    if (!entry.indicator) problems.push(`${describe(entry.el)} shows no focus indicator`);
  }
  for (const el of document.querySelectorAll('[tabindex]')) {
    if (parseInt(el.getAttribute('tabindex'), 10) > 0) problems.push(`${describe(el)} has a positive tabindex`);
  }
  return {problems, order: order.map(describe)};
}
"""

_COLOUR_ONLY = _HELPERS + r"""
() => {
  // Elements whose meaning is a colour: badges, and anything coloured by a contextual class.
  const colour = /^(text-bg-|bg-(primary|secondary|success|danger|warning|info|light|dark)|text-(primary|secondary|success|danger|warning|info)|table-(primary|secondary|success|danger|warning|info|light|dark|active)$|border-(primary|secondary|success|danger|warning|info))/;
  const problems = [];
  for (const el of document.querySelectorAll('main *')) {
    if (!shown(el)) continue;
    // The bar of a named progress bar: its value is the progress bar's (aria-valuenow), not a colour.
    const bar = el.closest('[role=progressbar]');
    if (bar && bar !== el && bar.hasAttribute('aria-valuenow') && accessibleName(bar)) continue;
    const coloured = [...el.classList].some((c) => colour.test(c));
    const badge = el.classList.contains('badge');
    if (!coloured && !badge) continue;
    const name = text(el) || (el.getAttribute('aria-label') || '').trim() ||
      [...el.querySelectorAll('img[alt], svg[aria-label], [aria-label]')].map((n) => n.getAttribute('alt') || n.getAttribute('aria-label')).join('').trim();
    const classes = [...el.classList].join('.');
    if (!name) {
      problems.push(`${describe(el)}.${classes} has a colour and no text`);
    } else if (badge && /^[\s\u00a0·•●○◆■□–—-]*$/.test(name)) {
      problems.push(`${describe(el)}.${classes} is a badge with a symbol and no words`);
    }
  }
  return problems;
}
"""

_LAYOUT = _HELPERS + r"""
() => {
  const problems = [];
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) {
    const wide = [...document.querySelectorAll('body *')].filter((el) => shown(el) && el.getBoundingClientRect().right > width + 1
      && !el.closest('.table-responsive, .overflow-auto, .overflow-x-auto'));
    const outermost = wide.filter((el) => !wide.some((other) => other !== el && other.contains(el)));
    problems.push(`the page scrolls sideways (${scroll}px in ${width}px): ${outermost.slice(0, 3).map(describe).join(', ')}`);
  }
  for (const table of [...document.querySelectorAll('main table')].filter(shown)) {
    if (table.getBoundingClientRect().width > width && !table.closest('.table-responsive, .overflow-auto, .overflow-x-auto')) {
      problems.push(`${describe(table)} is wider than the screen outside .table-responsive`);
    }
  }
  for (const button of [...document.querySelectorAll('.btn, button[type=submit]')].filter(shown)) {
    const height = button.getBoundingClientRect().height;
    if (height < 40) problems.push(`${describe(button)} is ${Math.round(height)}px tall (tap target under 40px)`);
  }
  return problems;
}
"""


# What is focused, as [name, the start of its HTML]; a date-time field has up to 6 parts.
_CURRENT = "() => { const el = document.activeElement; return el && el !== document.body ? [el.getAttribute('name') || '', el.outerHTML.slice(0, 120)] : null; }"
_MAX_PARTS = 6


@dataclass
class Findings:
    """Problems found on each page, reported together at the end of a test."""

    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, page_name: str, problems: list[str]) -> None:
        """Record a page's problems; the same problem seen n times is listed once, with "(n times)"."""
        counts: dict[str, int] = {}
        for problem in problems:
            counts[problem] = counts.get(problem, 0) + 1
        if counts:
            self.problems.setdefault(page_name, []).extend(
                problem if n == 1 else f"{problem} ({n} times)" for problem, n in counts.items()
            )

    def report(self) -> str:
        return "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in self.problems.items())


def unnamed_fields(page) -> list[str]:
    """Fields without an accessible name tied to them, duplicate ids, nameless buttons and links."""
    return page.evaluate(_NAMES)


def error_problems(page) -> tuple[list[str], int]:
    """After an invalid submission: (problems, number of error messages shown)."""
    result = page.evaluate(_ERRORS)
    return result["problems"], result["messages"]


def colour_only(page) -> list[str]:
    return page.evaluate(_COLOUR_ONLY)


def layout_problems(page) -> list[str]:
    return page.evaluate(_LAYOUT)


def keyboard_walk(page, form_selector: str, submit_name: str, *, typing: dict | None = None,
                  limit: int = 400) -> list[str]:  # fmt: skip
    """Tab from the top of the page to the form's submit button, typing ``typing[name]`` into the
    field of that name on the way (keyboard only: a text is typed, a tuple of keys is pressed);
    then check that every field of the form was reached in document order, that each focused
    element showed a focus indicator, that Tab moved on each time (no trap) and that Shift+Tab
    walks back. Focus is left on the submit button."""
    typing = dict(typing or {})
    form = page.locator(form_selector)
    submit = form.get_by_role("button", name=submit_name, exact=True)
    # Start from the top of the document: focus a temporary element placed before everything (not
    # in the Tab order itself), so that the first Tab goes to the first focusable element.
    page.evaluate(
        """() => { const start = document.createElement('span'); start.tabIndex = -1; start.id = '__a11y_start';
                   document.body.prepend(start); start.focus(); }"""
    )
    page.evaluate(_START_FOCUS_LOG)
    page.keyboard.press("Tab")
    page.evaluate("() => document.getElementById('__a11y_start').remove()")
    problems: list[str] = []
    previous, staying = None, 0
    for _ in range(limit):
        current = page.evaluate(_CURRENT)
        # Tab moves between the parts of a date or time field (month, day, year...) before leaving it.
        staying = staying + 1 if current == previous else 0
        if current is None or staying > _MAX_PARTS:
            problems.append(f"focus stays on {current[1] if current else 'nothing'} after Tab (keyboard trap)")
            break
        previous = current
        if submit.evaluate("(el) => el === document.activeElement"):
            break
        if staying == 0 and current[0] in typing:
            keys = typing.pop(current[0])
            if isinstance(keys, tuple):  # keys to press (e.g. an arrow key in a radio group)
                for key in keys:
                    page.keyboard.press(key)
            else:  # text to type
                page.keyboard.type(keys)
        page.keyboard.press("Tab")
    else:
        problems.append(f"the submit button '{submit_name}' is not reached after {limit} Tab presses")
        return problems
    result = page.evaluate(_WALK_RESULT, [form.element_handle(), submit.element_handle()])
    problems.extend(result["problems"])
    if typing:
        problems.append(f"never reached to type into: {', '.join(typing)}")
    # Shift+Tab walks back the same way (through the parts of a date field), and Tab comes back.
    order = result["order"]
    describe_focus = _HELPERS + "() => describe(document.activeElement)"
    back = min(3, len(order) - 1)
    presses = 0
    for step in range(1, back + 1):
        for _ in range(_MAX_PARTS + 1):
            page.keyboard.press("Shift+Tab")
            presses += 1
            now = page.evaluate(describe_focus)
            if now != order[-step]:
                break
        if now != order[-1 - step]:
            problems.append(f"Shift+Tab from {order[-step]} goes to {now}, not back to {order[-1 - step]}")
            break
    for _ in range(presses + _MAX_PARTS * back):
        if submit.evaluate("(el) => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        problems.append("Tab after Shift+Tab does not come back to the submit button")
    return problems
