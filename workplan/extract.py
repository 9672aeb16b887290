"""Speech / document → draft task tree (讲话稿、文件 → 任务清单草稿).

Chinese official speeches and documents carry their structure in outline markers, in a fixed
family of styles: ``一、`` · ``第一,`` · ``(一)`` · ``一是`` · ``1.`` · ``(1)``. The extractor does not
assume which style sits at which level: like a word processor's outline it keeps a stack of the
styles seen so far — a new style goes one level deeper, a style already on the stack closes every
level below it. Each marked paragraph becomes a heading node (its first sentence is the title);
within the text, *directive* clauses (要… / 必须… / 抓好… / 开展… / 做好…) that name a concrete
action become tasks under the heading they belong to.

For every node the extractor suggests a lead unit: the first body the clause names (组织部门,
宣传部门, 政法委, 统战部 …, matched to the org tree when one is given), else — for headings — the
field the heading is about (宣传引领 → 宣传部), else the parent's. Dates (6月底前, 年底前, 上半年,
2026年9月30日前) become suggested deadlines; quantities (3期, 不少于20名) are kept as notes.

Truncated input is handled: boilerplate lines (转载/出处/links) are dropped, a last paragraph that
stops mid-sentence marks its node "原文不完整", and a speech that announces N points but delivers
fewer gets a warning. The result is a draft for a person to review; nothing is saved here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone

from core import clock

from . import mechanisms as mechanism_data
from .classify import PRINCIPLE, classify
from .units import UnitMatcher

CN = "一二三四五六七八九十"
CN_NUM = {c: i + 1 for i, c in enumerate(CN)} | {"两": 2}

MARKERS: list[tuple[str, re.Pattern]] = [
    ("head", re.compile(rf"^([{CN}]{{1,3}})[、．.]")),
    ("ordinal", re.compile(rf"^第([{CN}]{{1,3}})[,,、::]")),
    ("paren", re.compile(rf"^[((]([{CN}]{{1,3}})[))]")),
    ("is", re.compile(rf"^([{CN}]{{1,2}})是(?![否])")),
    ("arabic", re.compile(r"^(\d{1,2})[.、．](?!\d)")),
    ("arabic_paren", re.compile(r"^[((](\d{1,2})[))]")),
]
SENTENCE_END = "。!?!?"
TERMINAL = tuple('。!?!?”"))…')
BOILERPLATE = re.compile(r"https?://|www\.|转载|出处|来源:|责任编辑|扫一扫|点击查看")
CONNECTIVES = re.compile(r"^(同时|此外|另外|今年|明年|当前|其中|特别是|对此|为此|最后|首先|其次|再次)[,,、]?")
# A directive: an optional short subject, then a modal verb; or an action verb at the start.
MODAL = re.compile(r"^([^,,;;::]{0,24}?)(?<![不重主纲摘只需])(要|必须|务必|应当|需要)(?![求素点闻])")
ACTION_START = re.compile(
    r"^(抓好|开展|做好|推进|落实|加强|建立|健全|完善|举办|打造|组织|实施|细化|制定|深化|强化|推动|严把|"
    r"扎实开展|精心组织|全面落实|持续开展|深入开展|认真开展|着力|切实)(?![、,,])"
)
PRONOUN_SUBJECT = re.compile(r"^(我们|大家|全区上下|全区各级)(要|必须|务必)")
# "一是…;二是…" inside a paragraph, and 首先/其次 as item openers.
INLINE_MARKER = re.compile(rf"^(?:[{CN}]{{1,2}}是|[{CN}]{{1,2}}要|首先|其次|再次|最后)[,,]?")
ACTIONS = (
    "开展",
    "举办",
    "打造",
    "建立",
    "健全",
    "完善",
    "落实",
    "推进",
    "抓好",
    "做好",
    "组织",
    "实施",
    "细化",
    "制定",
    "加强",
    "严把",
    "培训",
    "表彰",
    "评选",
    "整治",
    "清理",
    "排查",
    "检查",
    "督导",
    "提升",
    "规范",
    "创建",
    "推动",
    "召开",
    "编制",
    "修订",
    "压实",
    "发挥",
    "树立",
    "解决",
    "建设",
    "走访",
    "慰问",
    "宣传",
    "引导",
    "执行",
    "贯彻",
    "完成",
    "纳入",
    "督查",
    "督办",
    "召集",
)
# Fields a heading may be about (weaker than a named body; used for headings only).
TOPICS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"宣传|舆论|意识形态|理论武装|精神文明|新闻"), "宣传部门"),
    (re.compile(r"统战|统一战线|民族宗教|非公经济人士"), "统战部门"),
    (re.compile(r"政法|平安建设|社会稳定|扫黑除恶|法治建设"), "政法委"),
    (re.compile(r"组织体系|组织保证|组织建设|干部人才|干部队伍|基层党组织|党员队伍"), "组织部门"),
    (re.compile(r"作风建设|纪律|廉政|反腐|八项规定"), "纪委"),
]
GENERIC_BODIES = re.compile(r"区委各部门|各部门|各级党组织|各单位|各街道|各乡镇")
QUANTITY = re.compile(
    r"(?:不少于|至少|达到|超过|每[年季月周]|新建|建成|举办|开展|培训|完成|覆盖|选派|打掉|评选|选树|发展)?"
    r"\d+(?:\.\d+)?(?:个|项|名|次|场|期|家|户|人次|人|批|所|处|条|篇|场次|万元|亿元|%|%)"
)
TITLE_MIN, TITLE_MAX = 24, 80
LEADING_ALTERNATIVE = re.compile(r"^(还是|无论是|不论是|或是)")
CLOSING = re.compile(r"^同志们[,,::!!]")


@dataclass
class DraftNode:
    title: str
    level: int
    kind: str  # "heading", "directive" or "principle" (原则要求: shown apart, never a task)
    marker: str = ""
    text: str = ""
    lead: str = ""  # the suggested lead unit: an org name when matched, else the body as written
    lead_org_id: int | None = None
    inherited: bool = False
    deadline: dt.date | None = None
    deadline_text: str = ""
    quantities: list[str] = field(default_factory=list)
    truncated: bool = False
    co_units: list[str] = field(default_factory=list)
    mechanism: mechanism_data.Mechanism | None = None  # the module that carries this node
    reason: str = ""  # the words that made it a task or a 原则要求
    mapped_lead: str = ""  # the units the mechanism mapping assigns (as written in the mapping)
    directive: str = ""  # the directive itself (the clause without its setting), classified
    inferred: bool = False  # 据原文推断: the text reports a trigger (巡视发现问题) without a directive
    children: list[DraftNode] = field(default_factory=list)

    @property
    def is_task(self) -> bool:
        return self.kind != "principle"

    def walk(self, depth: int = 0):
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass
class Draft:
    title: str = ""
    nodes: list[DraftNode] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    announced_parts: int | None = None

    def walk(self):
        for node in self.nodes:
            yield from node.walk(0)

    def count(self) -> int:
        """How many tasks the draft proposes (原则要求 are not counted)."""
        return sum(1 for _, node in self.walk() if node.is_task)

    def principles(self) -> list[DraftNode]:
        return [node for _, node in self.walk() if not node.is_task]

    def carried(self) -> list[DraftNode]:
        """The task nodes a module carries (由【模块】承载)."""
        return [node for _, node in self.walk() if node.is_task and node.mechanism is not None]


# ---------------------------------------------------------------------------------------------
# Text helpers


def _paragraphs(text: str) -> list[str]:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    lines = [line.strip() for line in text.split("\n")]
    return [line for line in lines if line and not BOILERPLATE.search(line)]


def _split_sentences(text: str) -> list[str]:
    parts, current, depth = [], [], 0
    for char in text:
        current.append(char)
        if char in "“(《(":
            depth += 1
        elif char in "”)》)" and depth:
            depth -= 1
        if char in SENTENCE_END and depth == 0:
            parts.append("".join(current).strip())
            current = []
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _clauses(sentence: str) -> list[str]:
    """A sentence split at semicolons outside quotes and brackets."""
    parts, current, depth = [], [], 0
    for char in sentence:
        if char in "“(《(":
            depth += 1
        elif char in "”)》)" and depth:
            depth -= 1
        if char in ";;" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip().rstrip(SENTENCE_END).strip() for p in parts if p.strip().rstrip(SENTENCE_END).strip()]


EXPLANATION = re.compile(r"[((][^()()]*即[^()()]*[))]")


def _short_title(clause: str) -> str:
    clause = EXPLANATION.sub("", clause)
    segments = re.split(r"(?<=[,,])", clause)
    title = ""
    for segment in segments:
        # Enough words, and the action itself (not only its setting: "永葆政治本色,对照……,开展好……").
        if len(title) >= TITLE_MIN and any(verb in title for verb in ACTIONS):
            break
        title += segment
    title = re.sub(r"[,,、\s]+$", "", title)
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title


def _marker(paragraph: str) -> tuple[str, str, str] | None:
    """(style, marker text, rest) of a paragraph starting with an outline marker."""
    for style, regex in MARKERS:
        found = regex.match(paragraph)
        if found:
            rest = re.sub(r"^[,,、::\s]+", "", paragraph[found.end() :])
            if rest:
                return style, found.group(0), rest
    return None


def _directive(clause: str) -> str | None:
    """The clause as a task title when it is a concrete directive, else None."""
    text = INLINE_MARKER.sub("", clause.strip())
    text = CONNECTIVES.sub("", text).strip()
    text = CONNECTIVES.sub("", text).strip()
    if len(text) < 6 or text.startswith(("比如", "例如", "如果", "这样", "这是", "***")):
        return None
    text = PRONOUN_SUBJECT.sub("", text)
    modal = MODAL.match(text)
    if modal is None and not ACTION_START.match(text):
        # "今年,发展党员名额较多,组织部门要严把……": a named subject later in the sentence.
        for found in re.finditer(r"[,,]", text):
            later = MODAL.match(text[found.end() :])
            if later and 2 <= len(later.group(1)) <= 12:
                text, modal = text[found.end() :], later
                stripped = LEADING_ALTERNATIVE.sub("", text)
                if stripped != text:
                    text, modal = stripped, MODAL.match(stripped)
                break
    if modal:
        subject = modal.group(1)
        if "不" in subject[-1:] or subject.endswith(("是否", "的")):
            return None
        if not subject:  # "要精心组织……" → "精心组织……"
            text = text[modal.end() :]
    elif not ACTION_START.match(text):
        return None
    if not any(verb in text for verb in ACTIONS):
        return None
    return text


def find_deadline(text: str, year: int) -> tuple[dt.date | None, str]:
    def month_end(month: int) -> dt.date:
        return dt.date(year, month, calendar.monthrange(year, month)[1])

    patterns = [
        (
            r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|之前|以前)",
            lambda m: dt.date(int(m[1]), int(m[2]), int(m[3])),
        ),
        (r"(\d{1,2})月(\d{1,2})日(?:前|之前|以前)", lambda m: dt.date(year, int(m[1]), int(m[2]))),
        (
            r"(\d{4})年(\d{1,2})月底?(?:前|之前)",
            lambda m: dt.date(int(m[1]), int(m[2]), calendar.monthrange(int(m[1]), int(m[2]))[1]),
        ),
        (r"(\d{1,2})月(?:底|末)(?:前|之前)?", lambda m: month_end(int(m[1]))),
        (r"(\d{1,2})月中旬(?:前|之前)?", lambda m: dt.date(year, int(m[1]), 20)),
        (r"(\d{1,2})月上旬(?:前|之前)?", lambda m: dt.date(year, int(m[1]), 10)),
        (
            r"(\d{1,2})月(?:前|之前)",
            lambda m: month_end(int(m[1]) - 1) if int(m[1]) > 1 else dt.date(year, 1, 1),
        ),
        (r"上半年", lambda m: dt.date(year, 6, 30)),
        (r"(?:第一季度|一季度)", lambda m: dt.date(year, 3, 31)),
        (r"(?:第二季度|二季度)", lambda m: dt.date(year, 6, 30)),
        (r"(?:第三季度|三季度)", lambda m: dt.date(year, 9, 30)),
        (r"(?:年底前|年内|年底|年末|第四季度|四季度|下半年)", lambda m: dt.date(year, 12, 31)),
    ]
    for pattern, build in patterns:
        found = re.search(pattern, text)
        if found:
            try:
                return build(found), found.group(0)
            except ValueError:
                continue
    return None, ""


# ---------------------------------------------------------------------------------------------
# The extractor


class Extractor:
    def __init__(self, matcher: UnitMatcher | None = None, year: int | None = None):
        self.matcher = matcher
        self.year = year or timezone.localdate(clock.now()).year
        self._implied_keys: set[str] = set()

    def _body(self, text: str) -> tuple[str, int | None] | None:
        """The body a text names first: a specific one (组织部门 …) before a generic one (区委各部门)."""
        matcher = self.matcher
        named = matcher.find_in_text(text) if matcher is not None else UnitMatcher.find_alias(text)
        if named is not None:
            written, org = named
            return (org.name, org.pk) if org is not None else (written, None)
        generic = GENERIC_BODIES.search(text)
        if generic is not None:
            return generic.group(0), None
        return None

    def _topic(self, text: str) -> tuple[str, int | None] | None:
        for regex, body in TOPICS:
            if regex.search(text):
                if self.matcher is not None:
                    found = self.matcher.find_in_text(body)
                    if found and found[1] is not None:
                        return found[1].name, found[1].pk
                return body, None
        return None

    def _node(self, title: str, text: str, level: int, kind: str, marker: str = "") -> DraftNode:
        node = DraftNode(title=title, level=level, kind=kind, marker=marker, text=text)
        node.deadline, node.deadline_text = find_deadline(text, self.year)
        node.quantities = list(dict.fromkeys(QUANTITY.findall(text)))[:5]
        return node

    def _assign_lead(self, node: DraftNode, parent: DraftNode | None, own_text: str, body: str = "") -> None:
        """Directives: the body their clause names, else the parent's. Headings: a body named in
        the heading, the field it is about, a body named in its paragraph, else the parent's."""
        candidates = [self._body(own_text)]
        if node.kind == "heading":
            named = candidates[0]
            specific = named if named is not None and not GENERIC_BODIES.fullmatch(named[0]) else None
            body_named = self._body(body) if body else None
            body_specific = body_named if body_named and not GENERIC_BODIES.fullmatch(body_named[0]) else None
            candidates = [specific, self._topic(own_text), body_specific, named]
            if parent is None or not parent.lead:
                candidates.append(body_named)
        found = next((c for c in candidates if c is not None), None)
        if found is not None:
            node.lead, node.lead_org_id = found
        elif parent is not None:
            node.lead, node.lead_org_id, node.inherited = parent.lead, parent.lead_org_id, True

    def _directives(self, text: str, parent: DraftNode) -> None:
        for sentence in _split_sentences(text):
            for clause in _clauses(sentence):
                title_text = _directive(clause)
                if title_text is None:
                    continue
                node = self._node(_short_title(title_text), clause, parent.level + 1, "directive")
                node.directive = title_text
                self._assign_lead(node, parent, clause)
                parent.children.append(node)
        self._implied(text, parent)

    def _implied(self, text: str, parent: DraftNode) -> None:
        """A paragraph that reports a mechanism's trigger (“巡视……发现……问题”) without a directive
        for it yields one inferred task under its heading (once per draft)."""
        for mechanism in mechanism_data.mechanisms():
            if mechanism.implied is None or mechanism.key in self._implied_keys:
                continue
            found = mechanism.implied.search(text)
            if found is None:
                continue
            self._implied_keys.add(mechanism.key)
            node = self._node(mechanism.implied_title, found.group(0), parent.level + 1, "directive")
            node.inferred, node.mechanism, node.reason = True, mechanism, found.group(0)
            self._assign_lead(node, parent, found.group(0))
            parent.children.append(node)

    def _mechanism_lead(self, node: DraftNode, mechanism: mechanism_data.Mechanism) -> None:
        """The lead unit as the district assigns the mechanism: the first of the mapping's units
        found in the org tree leads, the others found co-operate. When the tree has none of them
        the lead found in the text stays (the preview shows the mapping's units beside it)."""
        node.mapped_lead = "、".join(mechanism.leads)
        if self.matcher is None:
            node.lead, node.lead_org_id, node.inherited = mechanism.leads[0], None, False
            node.co_units = list(mechanism.leads[1:])
            return
        found = [org for org in (self.matcher.match(name) for name in mechanism.leads) if org is not None]
        if found:
            node.lead, node.lead_org_id, node.inherited = found[0].name, found[0].pk, False
            node.co_units = [org.name for org in found[1:]]

    def _classify(self, node: DraftNode) -> None:
        """Children first; a directive without a concrete action is a 原则要求, and so is a heading
        about a principle whose children are all 原则要求. A node naming a mechanism takes the
        module and the lead unit of the mapping."""
        for child in node.children:
            self._classify(child)
        if node.mechanism is None:
            if node.kind == "directive":
                verdict = classify(node.directive or node.text)
                node.mechanism, node.reason = verdict.mechanism, verdict.reason
                if verdict.kind == PRINCIPLE:
                    node.kind = "principle"
            else:
                node.mechanism = mechanism_data.match(node.title)
                if node.mechanism is None and not any(child.is_task for child in node.children):
                    verdict = classify(node.title)
                    if verdict.kind == PRINCIPLE:
                        node.kind, node.reason = "principle", verdict.reason
        if node.mechanism is not None:
            node.reason = node.reason or node.mechanism.label
            self._mechanism_lead(node, node.mechanism)

    def _inline_items(self, text: str, parent: DraftNode) -> None:
        """ "……,一是开展A;二是组织B;三是开展C" inside one sentence: one sub-task per item."""
        items = re.findall(rf"[{CN}]是([^;;。]+)", text)
        if len(items) < 2:
            return
        for item in items:
            item = re.sub(r"^[,,\s]+|[,,\s]+$", "", item)
            node = self._node(_short_title(item), item, parent.level + 1, "directive")
            self._assign_lead(node, parent, item)
            parent.children.append(node)

    def extract(self, text: str) -> Draft:
        draft = Draft()
        self._implied_keys = set()
        paragraphs = _paragraphs(text)
        if not paragraphs:
            draft.warnings.append("没有可识别的文字")
            return draft
        first = paragraphs[0]
        if _marker(first) is None and not any(p in first for p in SENTENCE_END) and len(first) <= 60:
            draft.title = re.sub(r"[::\s]+$", "", first)
            paragraphs = paragraphs[1:]
        announced = re.search(rf"讲([{CN}两])(?:点|个方面)", text)
        if announced and announced.group(1) in CN_NUM:
            draft.announced_parts = CN_NUM[announced.group(1)]
        styles: list[str] = []
        path: list[DraftNode] = []  # the open heading at each level
        last_node: DraftNode | None = None
        for paragraph in paragraphs:
            if CLOSING.match(paragraph):
                continue  # "同志们:" and the closing exhortation are not tasks
            marked = _marker(paragraph)
            if marked is None:
                if path:
                    self._directives(paragraph, path[-1])
                    last_node = path[-1].children[-1] if path[-1].children else path[-1]
                continue
            style, marker, rest = marked
            if style in styles:
                level = styles.index(style)
                del styles[level + 1 :]
            else:
                styles.append(style)
                level = len(styles) - 1
            del path[level:]
            sentences = _split_sentences(rest)
            heading = sentences[0].rstrip(SENTENCE_END) if sentences else rest
            body = "".join(sentences[1:])
            node = self._node(
                _short_title(heading) if len(heading) > TITLE_MAX else heading,
                heading,
                level,
                "heading",
                marker,
            )
            node.text = paragraph
            parent = path[-1] if path else None
            self._assign_lead(node, parent, heading, body)
            (parent.children if parent else draft.nodes).append(node)
            path.append(node)
            self._inline_items(heading, node)
            self._directives(body, node)
            last_node = node.children[-1] if node.children else node
        last = paragraphs[-1]
        if not last.endswith(TERMINAL) and last_node is not None:
            last_node.truncated = True
            last_node.title += "(原文不完整)"
            tail = last[-12:]
            draft.warnings.append(f"原文在“…{tail}”处中断,最后一项可能不完整,请核对原件")
        for node in draft.nodes:
            self._classify(node)
        top = len(draft.nodes)
        if draft.announced_parts and top and top < draft.announced_parts:
            draft.warnings.append(f"讲话提出{draft.announced_parts}点意见,文本中只有{top}点,原文可能不完整")
        if not draft.nodes:
            draft.warnings.append("没有找到“一、”“第一,”“一是”等层次标记,未能生成任务草稿")
        return draft


def extract(text: str, *, matcher: UnitMatcher | None = None, year: int | None = None) -> Draft:
    return Extractor(matcher, year).extract(text)


def render_outline(draft: Draft, *, indent: str = "  ") -> str:
    """The draft as indented text, one task a line: ``title [lead] (时限:YYYY-MM-DD)``.

    The same text is what a person edits on the review page and what ``parse_outline`` reads."""
    lines = []
    for depth, node in draft.walk():
        if not node.is_task:
            continue  # 原则要求 are listed apart (render_principles), never tasks
        line = indent * depth + node.title
        if node.lead:
            line += f" [{'、'.join([node.lead, *node.co_units])}]"
        if node.deadline:
            line += f" (时限:{node.deadline:%Y-%m-%d})"
        lines.append(line)
    return "\n".join(lines)


def render_principles(draft: Draft) -> str:
    """The 原则要求 of the draft, one a line (not tasks: nobody reports a stance as done)."""
    return "\n".join(f"- {node.title}" for node in draft.principles())


def render_carriers(draft: Draft) -> str:
    """Which module carries which task: ``title → 由【模块】承载``."""
    return "\n".join(
        f"{node.title} → 由【{node.mechanism.module_label}】承载"
        for node in draft.carried()
        if node.mechanism
    )


# ---------------------------------------------------------------------------------------------
# Reading the reviewed outline back


@dataclass
class OutlineLine:
    row: int
    depth: int
    title: str
    units: list[str]
    deadline: dt.date | None


OUTLINE_DEADLINE = re.compile(r"\s*[((]时限[::]\s*(\d{4})-(\d{1,2})-(\d{1,2})[))]\s*$")
OUTLINE_UNITS = re.compile(r"\s*\[([^\[\]]*)\]\s*$")


def parse_outline(text: str) -> tuple[list[OutlineLine], list[tuple[int, str]]]:
    """Lines of an edited outline, and the problems found as (line number, message)."""
    lines, errors = [], []
    previous_depth = -1
    for row, raw in enumerate((text or "").replace("\t", "  ").replace("\u3000", "  ").splitlines(), start=1):
        if not raw.strip():
            continue
        spaces = len(raw) - len(raw.lstrip(" "))
        depth = spaces // 2
        body = raw.strip()
        deadline = None
        units: list[str] = []
        for _ in range(2):
            found = OUTLINE_DEADLINE.search(body)
            if found:
                try:
                    deadline = dt.date(int(found[1]), int(found[2]), int(found[3]))
                except ValueError:
                    errors.append((row, f"时限“{found.group(0).strip()}”不是有效日期"))
                body = body[: found.start()]
            found = OUTLINE_UNITS.search(body)
            if found:
                units = [u.strip().rstrip("?？") for u in re.split(r"[、,,;;/]", found[1]) if u.strip()]
                body = body[: found.start()]
        title = body.strip()
        if not title:
            errors.append((row, "缺少任务名称"))
            continue
        if depth > previous_depth + 1:
            errors.append((row, "缩进层级跳跃(每级缩进两个空格,子任务只能比上一行多缩进一级)"))
            depth = previous_depth + 1
        previous_depth = depth
        lines.append(OutlineLine(row, depth, title[:300], units, deadline))
    if not lines and not errors:
        errors.append((0, "没有任务"))
    return lines, errors
