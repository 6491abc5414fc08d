"""\"Trình tự thực hiện\": steps."""

from __future__ import annotations

import re

from knowledge_base.crawl.text import _blank, _nfc, _squash

# A step mark. "Bước 2:" / "Bước 2." anywhere after a space or a stop; "Bước 2" with no separator only
# where a step begins: at the start of a line, after a numbering such as "2.1.2." or a bullet
# ("2.1.2. Bước 2 kiểm tra hồ sơ:"), or glued to the end of a sentence or of a table cell before a
# capital ("xem xét.Bước 5 Xem xét", "để xử lýBước 10 Duyệt hồ sơ"). "nêu tại Bước 1 và Bước 2" (inside
# a sentence, no separator) is no mark.
_STEP_MARK = re.compile(
    r"(?:^|(?<=[\s.;:]))(?:[-+*]\s*)?Bước\s+(?P<sep>\d+)\s*[:.)-]"
    r"|^[ \t]*(?:[-+*][ \t]*|\d+(?:\.\d+)*\.?[ \t]+)?Bước[ \t]+(?P<line>\d+)(?=[ \t]+\S)"
    r"|(?<=[^\W\d_.;:])Bước[ \t]+(?P<glued>\d+)[ \t]+(?=\S)"
    r"|(?<=[.;:])[ \t]?Bước[ \t]+(?P<stop>\d+)[ \t]+(?=\S)",
    re.IGNORECASE | re.MULTILINE,
)


def _step_marks(text: str) -> list[re.Match]:
    """Step marks in order; a mark glued to the text before it must be followed by a capital or digit."""
    marks = []
    for mark in _STEP_MARK.finditer(text):
        if mark.group("glued") or mark.group("stop"):
            following = text[mark.end() : mark.end() + 1]
            if not (following.isupper() or following.isdigit()):
                continue
        marks.append(mark)
    return marks


def _step_number(mark: re.Match) -> int:
    return int(next(group for group in mark.groups() if group))


_SECTION_MARK = re.compile(r"^(?:([ivx]{1,4}|[a-zđ])\)|(\d{1,2})[.)])\s")  # "a) ", "ii) ", "1. ", "2) "
# A line that goes on the step above: a sub-bullet, or a broken line starting lower-case (not "[à-ỹ]": that
# range holds capitals too, "Ủy ban", "Đăng ký").
_CONTINUATION = re.compile(r"^(?:[+*•]|\(?[ivx]+\))")


def _continues_step(line: str) -> bool:
    return bool(_CONTINUATION.match(line)) or line[:1].islower()


# A line that heads what follows ("2. Thủ tục đăng ký", "b) Tại Chi cục hải quan cửa khẩu xuất:")
_HEADING_LINE = re.compile(r"^(?:[a-zđ]\)|\d{1,2}[.)]|[IVX]+\.)\s+\S.{0,118}$")
_LETTERS = "abcdđeghiklmnopqrstuvxy"  # Vietnamese list letters: no f, j, w, z
_ROMANS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_FIRST_LABEL = {"digit": "1", "letter": "a", "roman": "i"}


def _label_styles(label: str) -> tuple[str, ...]:
    """The list styles a label can belong to: "i", "v" and "x" are letters or roman numerals."""
    if label.isdigit():
        return ("digit",)
    styles = ("roman",) if label in _ROMANS else ()
    return styles + (("letter",) if len(label) == 1 else ())


def _continues(style: str, last: str, label: str) -> bool:
    """`label` is the item after `last` in a list of `style`: "b" after "a", "đ" (or "e") after "d"..."""
    if style == "digit":
        return label == str(int(last) + 1)
    if style == "roman":
        return last in _ROMANS[:-1] and label == _ROMANS[_ROMANS.index(last) + 1]
    index = _LETTERS.find(last)
    following = {_LETTERS[index + 1]} if 0 <= index < len(_LETTERS) - 1 else set()
    return label in following | ({"e"} if last == "d" else set()) | ({"f"} if last == "e" else set())


def _introduces_sublist(lines: list[str], index: int) -> bool:
    """The line above `index` is a sentence ending in ":" inside the text ("Khi lấy ý kiến ..., công chức
    cấp xã phải:"), not a heading at the top ("4.1. Trình tự thực hiện:", "Các bước:")."""
    return index >= 2 and lines[index - 1].endswith(":") and len(lines[index - 1]) >= 50


def _top_level_sections(lines: list[str]) -> list[int]:
    """Indices of the lines that open a top-level section ("a) ...", "b) ..."; "1. ...", "2. ..."; "i) ...",
    "ii) ...").

    Sub-lists inside a section ("a) ... b) ..." under "1.", "1. ... 2. ..." under "a)") are followed with
    a stack: the first mark opens the top-level list (whatever its label: a page may start at "c)"), a
    label that starts a list ("a", "1", "i") opens a nested one, a label that continues an open list
    closes the lists nested in it; only the items of the outermost list start a step. A list introduced
    by a sentence ending in ":" ("công chức phải: i) ... ii) ...") belongs to that sentence, and a restart
    of the top-level label that no item follows ("a) Nộp hồ sơ ... a) Giải quyết ...", a slip of the
    page) is the next top-level item."""
    marks = [(index, _SECTION_MARK.match(line)) for index, line in enumerate(lines)]
    labels = [(index, match.group(1) or match.group(2)) for index, match in marks if match]
    stack: list[tuple[str, str]] = []  # (style, last label) of each open list, outermost first
    top: list[int] = []
    for position, (index, label) in enumerate(labels):
        styles = _label_styles(label)
        continues = [
            depth for depth, (style, last) in enumerate(stack) if style in styles and _continues(style, last, label)
        ]
        starts = [style for style in styles if _FIRST_LABEL[style] == label]
        following = labels[position + 1][1] if position + 1 < len(labels) else None
        if continues:  # the innermost open list it continues; lists nested in it are closed
            depth = continues[-1]
            del stack[depth + 1 :]
            stack[depth] = (stack[depth][0], label)
        elif not stack:
            if _introduces_sublist(lines, index):
                stack.append(("text", ""))
            style = (starts or [s for s in styles if s != "roman"] or list(styles))[0]
            stack.append((style, label))
            depth = len(stack) - 1
        elif starts and stack[0][0] in starts and not (following and _continues(stack[0][0], label, following)):
            del stack[1:]  # the top-level list restarted by mistake: its next item
            stack[0] = (stack[0][0], label)
            depth = 0
        elif starts:
            stack.append((starts[0], label))
            depth = len(stack) - 1
        else:  # neither continues nor starts a list ("c)" out of nowhere): text of the current section
            continue
        if depth == 0:
            top.append(index)
    return top


def _step_blocks(text: str, marks: list[re.Match]) -> list[str]:
    """The text from each step mark to the next. The line that ends a block opens the next one when it
    heads it: a numbered heading ("2. Thủ tục đăng ký" before "Bước 3"), or the title of a new list of
    steps written on the line of its "Bước 1" ("Thủ tục ... trong trường hợp ... Bước 1: ...")."""
    blocks = []
    carry = ""
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        block = carry + text[mark.start() : end]
        carry = ""
        body, newline, last = block.rstrip().rpartition("\n")
        if newline and index + 1 < len(marks):
            on_its_line = text[text.rfind("\n", 0, end) + 1 : end].strip()  # text before the next mark
            restarts = _step_number(marks[index + 1]) == 1 and bool(on_its_line)
            if _HEADING_LINE.match(last.strip()) or (restarts and not _ends_sentence(last)):
                block, carry = body, last.strip() + " "
        blocks.append(block)
    return blocks


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", ";", ":")) or bool(re.search(r"[.;]\s", text))


def parse_steps(text: str) -> list[str]:
    """ "Bước N" blocks when marked; otherwise top-level sections ("a) ... b) ..."), nested lists and
    bullets kept inside their section; otherwise one step per line, folding sub-bullets ("+", "(i)")
    and broken lines (starting lower-case) into the step above."""
    text = _nfc(text).strip()
    if _blank(text):
        return []
    marks: list[re.Match[str]] = []
    steps: list[str] = []
    for mark in _step_marks(text):  # numbered in sequence (a new list may restart at 1)
        number = _step_number(mark)
        if not marks or number == 1 or number == _step_number(marks[-1]) + 1:
            marks.append(mark)
    if len(marks) >= 2:
        head = _squash(text[: marks[0].start()].replace("\n", " "))
        for block in _step_blocks(text, marks):
            body = _squash(block.replace("\n", " ")).lstrip("-+* ")
            if body:
                steps.append(body)
        if head and steps:  # a heading ("Nộp hồ sơ", a title) belongs to step 1; a preamble is its own step
            if len(head) < 40 or not _ends_sentence(head):
                steps[0] = f"{head} {steps[0]}"
            else:
                steps.insert(0, head)
        return [s.strip(" ;") for s in steps if s.strip(" ;")]
    lines = [_squash(line) for line in text.split("\n") if _squash(line)]
    if lines[0].startswith("*") and not lines[0].startswith("**"):  # "* Trường hợp ...: a) ... b) ..."
        sections = [i for i, line in enumerate(lines) if line.startswith("*") and not line.startswith("**")]
    else:
        sections = _top_level_sections(lines)
    # A single section labelled "b)" (or "2.") after some text: the page lost the heading of the first.
    lost_first = len(sections) == 1 and sections[0] > 0 and _SECTION_MARK.match(lines[sections[0]])
    if lost_first and (lost_first.group(1) or lost_first.group(2)) not in _FIRST_LABEL.values():
        sections = [0, *sections]
    if len(sections) >= 2:  # "a) Nộp hồ sơ TTHC: ... b) Giải quyết TTHC: ..." -> one step per section
        head_lines = lines[: sections[0]]
        bounds = sections + [len(lines)]
        steps = [" ".join(lines[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
        return ([" ".join(head_lines)] if head_lines else []) + steps
    top_plus = lines[0].startswith("+") and not lines[0].startswith("++")  # "+" is then the top bullet
    for line in lines:
        new_top = top_plus and line.startswith("+") and not line.startswith("++")
        if steps and not new_top and _continues_step(line):
            steps[-1] = f"{steps[-1]} {line}"
        else:
            steps.append(line.lstrip("-+• ").strip() or line)
    return [s for s in steps if s.strip(" ;-")]
