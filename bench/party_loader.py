"""Bulk loader: a generated district of 10,000 party branches and 300,000 members with a year of
organization life, written straight into the tables (a benchmark fixture, not a replay).

    .venv/bin/python bench/party_loader.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_party \
        [--branches 10000] [--members 300000] [--seed 20261202]

The district (``基准区``, code ``BENCH``) is its own org tree next to anything else in the database:
an administrative tree (district → 20 streets → 500 communities) and a party tree (区委 → 20
街道党工委 → 500 社区党委 → 20 党支部 each), every party organization built in (``host``) its
unit. Each branch has about 30 members (8 % probationary; 1 % of branches with 2 members, 1 % with
55: the structure rules fire), a secretary (5 % vacant) and a committee, a recorded term (3 %
expired). Organization life for the last twelve months follows the periods in the rule data
(monthly 主题党日 and 支委会, quarterly 党员大会 and 党课, yearly 组织生活会 and 民主评议),
with realistic gaps (4 % of sessions not held, 3 % of the branches bunching at quarter end),
attendance of every member at the members' meetings (88 % present, 7 % on leave with a reason,
5 % absent; 2 % of members never come: the lapse rules fire), thin minutes (3 %) and copied
minutes (1 %, from another branch or an earlier meeting of the same one). The 谈心谈话 log of last
year and this year (``load_talks``; ``--talks-only`` adds it to a district loaded without it).
The member years (``party.life.study.rebuild``) are rebuilt after the attendance is written.

Minutes are 6–9 stock sentences drawn from a pool of 384 plus 90 characters of the meeting's own;
their MinHash signature is the element-wise minimum of the sentences' signatures and of the own
words' (drawn directly as the minimum of 88 uniform hash values; the shingles spanning two parts are
left out) — a benchmark approximation that keeps generation at ~30 µs a meeting instead of the
~740 µs of ``similarity.signature`` — cut into the same LSH bands as
``party.life.services.index_minutes`` writes. No dues ledger, transfers, photos or audit
events are generated.

On PostgreSQL the rows go in with ``COPY`` (psycopg 3) with the per-row foreign-key triggers off
(``session_replication_role = replica``; every id written exists); ids are assigned here from the
current maximum and the identity sequences moved past them afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

from core import kit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 20261202
CODE = "BENCH"
STREETS = 20
COMMUNITIES_PER_STREET = 25
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红海燕鹏飞雪梅"
LEAVE_REASONS = ("外出务工", "身体不适", "照顾家人", "单位值班", "在外地出差", "住院治疗")
SENTENCES = (
    "支部书记传达了上级党委关于{0}的文件精神",
    "与会党员结合自身实际围绕{0}进行了交流发言",
    "会议学习了习近平新时代中国特色社会主义思想有关{0}的重要论述",
    "组织委员通报了本季度党员参加{0}的情况",
    "大家一致认为要把{0}同社区治理工作结合起来",
    "宣传委员介绍了{0}的具体安排和分工",
    "党员代表就{0}中遇到的困难提出了意见建议",
    "会议对下一阶段{0}工作作出部署",
    "支部委员会研究了{0}相关事项并形成初步意见",
    "老党员分享了参与{0}的亲身经历和体会",
    "会议要求全体党员在{0}中发挥先锋模范作用",
    "书记对照{0}的要求指出了支部存在的不足",
    "与会人员观看了{0}专题教育片并进行讨论",
    "会议听取了网格党小组关于{0}的情况汇报",
    "支部明确了{0}的责任人和完成时限",
    "党员志愿者报告了参加{0}服务活动的情况",
)
TOPICS = (
    "基层治理",
    "垃圾分类",
    "老旧小区改造",
    "疫情防控常态化",
    "平安建设",
    "文明城市创建",
    "为民办实事",
    "党史学习教育",
    "主题教育",
    "网格化管理",
    "物业矛盾调处",
    "防汛安全",
    "关爱老年人",
    "志愿服务",
    "党风廉政建设",
    "乡村振兴对口帮扶",
    "消防安全检查",
    "反诈宣传",
    "未成年人保护",
    "社区服务提升",
    "民主评议党员",
    "发展党员工作",
    "党费收缴",
    "组织生活会整改",
)
# Words of the meeting's own (who spoke, what was found): random characters, so that unrelated
# minutes share only the stock sentences.
CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
)
OWN_CHARS = 90
MAX_HASH = float((1 << 32) - 1)
DECISIONS = ("确定{0}工作分工,由支委牵头落实", "下月前完成{0}整改并报党委", "成立{0}志愿服务小分队")


def setup(db: str) -> None:
    os.environ["LUOSHI_DATABASE_URL"] = db
    os.environ.setdefault("LUOSHI_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()


def _path(parent: str, index: int) -> str:
    """The treebeard MP path of the ``index``-th child (1-based) of ``parent``."""
    from orgs.models import Org

    alphabet, steplen = Org.alphabet, Org.steplen
    digits = ""
    n = index
    while n:
        n, r = divmod(n, len(alphabet))
        digits = alphabet[r] + digits
    return parent + digits.rjust(steplen, alphabet[0])


class Writer:
    """Collects rows per model and writes them by COPY (PostgreSQL) or bulk_create."""

    def __init__(self, connection):
        self.connection = connection
        self.copy = connection.vendor == "postgresql"
        self.rows: dict = {}
        self.written: dict[str, int] = {}

    def add(self, model, row: dict) -> None:
        self.rows.setdefault(model, []).append(row)

    def flush(self) -> None:
        for model, rows in self.rows.items():
            if not rows:
                continue
            fields = [f for f in model._meta.concrete_fields if not f.generated]  # the database fills those
            attnames = [f.attname for f in fields]
            if self.copy:
                # Columns the loader leaves out get their default (callable ones, e.g. a JSONField's
                # ``list``, included), prepared for the database once per flush.
                defaults = {
                    f.attname: f.get_db_prep_save(f.get_default(), self.connection)
                    for f in fields
                    if not f.primary_key
                }
                names = ", ".join(f'"{f.column}"' for f in fields)
                sql = f'COPY "{model._meta.db_table}" ({names}) FROM STDIN'
                with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row([row[a] if a in row else defaults.get(a) for a in attnames])
            else:
                defaults = {
                    f.attname: f.get_default()
                    for f in fields
                    if not (f.has_default() and callable(f.default))
                }
                model.objects.bulk_create([model(**{**defaults, **row}) for row in rows], batch_size=2000)
            self.written[model._meta.label] = self.written.get(model._meta.label, 0) + len(rows)
            rows.clear()


class Ids:
    def __init__(self, models):
        from django.db.models import Max

        self.next = {m: (m.objects.aggregate(x=Max("id"))["x"] or 0) for m in models}

    def __call__(self, model) -> int:
        self.next[model] += 1
        return self.next[model]


def load(branches: int = 10_000, members: int = 300_000, seed: int = SEED, out=sys.stdout) -> dict:
    from dateutil.relativedelta import relativedelta
    from django.db import connection, transaction
    from django.utils import timezone

    from orgs.models import Org, Person, Position
    from party.life import services
    from party.life import study as memberyear
    from party.models import (
        Attendance,
        Meeting,
        Member,
        MinutesBand,
        MinutesSignature,
        Term,
    )
    from party.rules import Rules

    if Org.objects.filter(depth=1, code=CODE).exists():
        out.write("the bench district is already loaded\n")
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = kit.today()
    rules = Rules.load(today)
    start = today - relativedelta(years=1) + dt.timedelta(days=1)
    models = (Org, Person, Position, Member, Term, Meeting, Attendance, MinutesBand, MinutesSignature)
    ids = Ids(models)
    w = Writer(connection)
    started = time.perf_counter()
    if w.copy:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")

    district, district_path, party_path, all_party, branch_rows = _load_orgs(w, ids, now, branches)
    _load_terms(w, ids, rng, now, today, all_party, party_path)
    member_rows, committee_of, lapsed = _load_members(w, ids, rng, now, today, branch_rows, members)
    _load_secretaries(w, ids, now, today, all_party, district, district_path)
    with transaction.atomic():
        w.flush()
    out.write(f"  orgs, people, members, posts, terms: {time.perf_counter() - started:.1f} s\n")

    _load_life(
        w, ids, rng, seed, now, today, start, rules, branch_rows, member_rows, committee_of, lapsed, out
    )
    with transaction.atomic():
        w.flush()
    if w.copy:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    matched = time.perf_counter()
    pairs = services.rebuild_matches()
    out.write(f"  near-duplicate candidate pairs: {pairs:,} ({time.perf_counter() - matched:.1f} s)\n")
    summed = time.perf_counter()
    rows = memberyear.rebuild()  # the yearly study hours the meeting services keep
    out.write(f"  yearly study hours: {rows:,} rows ({time.perf_counter() - summed:.1f} s)\n")
    w.written.update(load_talks(seed, out))
    seconds = time.perf_counter() - started
    out.write(f"loaded {w.written} in {seconds:.1f} s\n")
    return {"seconds": seconds, **w.written}


def _load_orgs(w, ids, now, branches: int):
    """The administrative and party trees: (district id, its path, the party tree's path, every
    party organization as (id, path, kind), the branches as (id, path, community id, its path, name))."""
    from django.db import transaction

    from orgs.models import Org

    # -- org trees --------------------------------------------------------------------------------
    last_root = Org.objects.get_last_root_node()
    root_index = (Org.str2int(last_root.path) if last_root else 0) + 1

    def org(path, depth, numchild, name, kind, host=None, code=""):
        pk = ids(Org)
        w.add(
            Org,
            {
                "id": pk,
                "path": path,
                "depth": depth,
                "numchild": numchild,
                "name": name,
                "short_name": name[:50],
                "kind": kind,
                "code": code,
                "host_id": host,
                "created_at": now,
            },
        )
        return pk

    per_community = max(1, branches // (STREETS * COMMUNITIES_PER_STREET))
    district_path = _path("", root_index)
    district = org(district_path, 1, STREETS, "基准区", "district", code=CODE)
    party_path = _path("", root_index + 1)
    committee = org(
        party_path, 1, STREETS, "中共基准区委员会", "party_committee", host=district, code=CODE + "P"
    )
    communities = []  # (community id, community path, party committee id, party path)
    all_party = [(committee, party_path, "party_committee")]
    for s in range(1, STREETS + 1):
        s_path = _path(district_path, s)
        street = org(s_path, 2, COMMUNITIES_PER_STREET, f"第{s}街道", "street")
        ps_path = _path(party_path, s)
        pstreet = org(
            ps_path, 2, COMMUNITIES_PER_STREET, f"中共第{s}街道工作委员会", "working_committee", street
        )
        all_party.append((pstreet, ps_path, "working_committee"))
        for c in range(1, COMMUNITIES_PER_STREET + 1):
            c_path = _path(s_path, c)
            community = org(c_path, 3, 0, f"第{s}街道第{c}社区", "community")
            pc_path = _path(ps_path, c)
            pcomm = org(
                pc_path, 3, per_community, f"中共第{s}街道第{c}社区委员会", "party_committee", community
            )
            all_party.append((pcomm, pc_path, "party_committee"))
            communities.append((community, c_path, pcomm, pc_path))
    branch_rows = []  # (branch id, path, community id, community path, name)
    for community, c_path, _pcomm, pc_path in communities:
        for b in range(1, per_community + 1):
            if len(branch_rows) >= branches:
                break
            path = _path(pc_path, b)
            name = f"{len(branch_rows) + 1:05d}号党支部"
            pk = org(path, 4, 0, name, "branch", community)
            branch_rows.append((pk, path, community, c_path, name))
            all_party.append((pk, path, "branch"))
    with transaction.atomic():
        w.flush()
    return district, district_path, party_path, all_party, branch_rows


def _load_terms(w, ids, rng, now, today, all_party, party_path) -> None:
    """A recorded term for every party organization but the working committees and the top (3 % expired)."""
    from dateutil.relativedelta import relativedelta

    from party.models import Term

    # -- terms ------------------------------------------------------------------------------------
    for pk, path, kind in all_party:
        if kind == "working_committee" or path == party_path:
            continue
        years = 5 if kind == "party_committee" else 3
        expired = rng.random() < 0.03
        begun = today - dt.timedelta(
            days=rng.randint(years * 365 + 10, years * 365 + 300)
            if expired
            else rng.randint(30, years * 365 - 30)
        )
        w.add(
            Term,
            {
                "id": ids(Term),
                "org_id": pk,
                "org_path": path,
                "started_on": begun,
                "ends_on": begun + relativedelta(years=years),
                "created_at": now,
            },
        )


def _member_sizes(rng, branches: int, members: int) -> list[int]:
    """Members per branch: about 30 (1 % with 2, 1 % with 55), ``members`` in all."""
    sizes = []
    for _ in range(branches):
        r = rng.random()
        sizes.append(2 if r < 0.01 else 55 if r < 0.02 else rng.randint(22, 38))
    scale = members / sum(sizes)
    sizes = [max(2, round(s * scale)) if s not in (2, 55) else s for s in sizes]
    sizes[-1] += members - sum(sizes)
    return sizes


def _load_members(w, ids, rng, now, today, branch_rows, members: int):
    """People, members and the branch committees' posts: (branch → [(member, person, category)],
    branch → committee member ids, the members who never attend)."""
    from dateutil.relativedelta import relativedelta
    from django.db import transaction

    from orgs.models import Person, Position
    from party.models import Member

    # -- members ----------------------------------------------------------------------------------
    sizes = _member_sizes(rng, len(branch_rows), members)
    member_rows: dict[int, list[tuple[int, int, str]]] = {}  # branch → [(member id, person id, name)]
    committee_of: dict[int, list[int]] = {}
    lapsed: set[int] = set()
    n_members = 0
    for (pk, path, community, c_path, _name), size in zip(branch_rows, sizes, strict=True):
        rows = []
        for _ in range(size):
            person = ids(Person)
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            joined = today - dt.timedelta(days=rng.randint(200, 365 * 40))
            probationary = rng.random() < 0.08
            if probationary:
                joined = today - dt.timedelta(days=rng.randint(30, 360))
            w.add(
                Person,
                {
                    "id": person,
                    "org_id": community,
                    "org_path": c_path,
                    "name": name,
                    "gender": rng.choice("MF"),
                    "birth_date": joined - dt.timedelta(days=rng.randint(18 * 365, 40 * 365)),
                    "created_at": now,
                },
            )
            member = ids(Member)
            w.add(
                Member,
                {
                    "id": member,
                    "org_id": pk,
                    "org_path": path,
                    "person_id": person,
                    "category": "probationary" if probationary else "formal",
                    "joined_on": joined,
                    "full_member_on": None if probationary else joined + relativedelta(years=1),
                    "status": "normal",
                    "created_at": now,
                },
            )
            if rng.random() < 0.02:
                lapsed.add(member)
            rows.append((member, person, "probationary" if probationary else "formal"))
        member_rows[pk] = rows
        formal = [r for r in rows if r[2] == "formal"]
        posts = []
        if formal and rng.random() >= 0.05:
            posts.append(("secretary", formal[0]))
        if len(formal) >= 7:
            posts += [("deputy_secretary", formal[1]), ("committee_member", formal[2])]
            posts += [("committee_member", formal[3])] if rng.random() < 0.7 else []
        for kind, (_member, person, _c) in posts:
            w.add(
                Position,
                {
                    "id": ids(Position),
                    "org_id": pk,
                    "org_path": path,
                    "person_id": person,
                    "kind": kind,
                    "title": {"secretary": "党支部书记", "deputy_secretary": "副书记"}.get(kind, "支部委员"),
                    "start_on": today - dt.timedelta(days=rng.randint(60, 900)),
                    "created_at": now,
                },
            )
        committee_of[pk] = [m for _k, (m, _p, _c) in posts]
        n_members += len(rows)
        if len(w.rows.get(Person, ())) >= 20_000:
            with transaction.atomic():
                w.flush()
    return member_rows, committee_of, lapsed


def _load_secretaries(w, ids, now, today, all_party, district, district_path) -> None:
    from orgs.models import Person, Position

    # Secretaries of the committees above the branches (people of the community/street units).
    for pk, path, kind in all_party:
        if kind == "branch":
            continue
        person = ids(Person)
        w.add(
            Person,
            {
                "id": person,
                "org_id": district,
                "org_path": district_path,
                "name": "书记" + str(pk),
                "gender": "M",
                "created_at": now,
            },
        )
        w.add(
            Position,
            {
                "id": ids(Position),
                "org_id": pk,
                "org_path": path,
                "person_id": person,
                "kind": "secretary",
                "title": "书记",
                "start_on": today - dt.timedelta(days=400),
                "created_at": now,
            },
        )


def _load_life(
    w, ids, rng, seed, now, today, start, rules, branch_rows, member_rows, committee_of, lapsed, out
):
    """Organization life of the last twelve months: meetings with minutes (their MinHash signature
    and LSH bands) and the attendance of the members invited."""
    import numpy as np
    from django.db import transaction

    from party import compliance
    from party.life import similarity
    from party.models import Attendance, MeetingKind

    sentence_pool = [s.format(t) for s in SENTENCES for t in TOPICS]
    sentence_sigs = np.stack([similarity.signature(s) for s in sentence_pool])
    kinds = [
        MeetingKind.THEME_DAY,
        MeetingKind.COMMITTEE,
        MeetingKind.BRANCH_ASSEMBLY,
        MeetingKind.LECTURE,
        MeetingKind.LIFE_MEETING,
        MeetingKind.APPRAISAL,
    ]
    period_of = {k: rules.get(f"meeting.{k}.period") for k in kinds}
    minutes = _Minutes(rng, np.random.default_rng(seed), sentence_pool, sentence_sigs)
    n_meetings = n_attendance = 0
    gen_started = time.perf_counter()
    for index, (pk, path, _community, _c_path, _name) in enumerate(branch_rows):
        rows = member_rows[pk]
        bunches = rng.random() < 0.03
        for kind in kinds:
            if kind == MeetingKind.COMMITTEE and len(committee_of[pk]) < 2:
                continue
            for first, last, _label in compliance.periods(period_of[kind], start, today):
                if rng.random() < 0.04:
                    continue  # not held: a gap
                day = _meeting_day(
                    rng, kind, period_of[kind], bunches, max(first, start), min(last, today), today
                )
                n_attendance += _add_meeting(
                    w, ids, rng, now, minutes, pk, path, kind, day, rows, committee_of[pk], lapsed
                )
                n_meetings += 1
        if len(w.rows.get(Attendance, ())) >= 100_000:
            with transaction.atomic():
                w.flush()
        if (index + 1) % 1000 == 0:
            elapsed = time.perf_counter() - gen_started
            out.write(
                f"  {index + 1:>6,} branches, {n_meetings:>9,} meetings, "
                f"{n_attendance:>10,} attendance  {elapsed:6.1f} s\n"
            )
            out.flush()


def _meeting_day(rng, kind, period, bunches: bool, first: dt.date, last: dt.date, today: dt.date) -> dt.date:
    """A day in the period; a bunching branch holds its quarterly meetings at the quarter's end."""
    from party import compliance
    from party.models import Period

    if bunches and kind in compliance.BUNCH_KINDS and period != Period.YEAR:
        q_last = compliance.quarter_of(first)[1]
        day = min(today, q_last - dt.timedelta(days=rng.randint(0, 9)))
        if day < first:
            day = first
        return day
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


class _Minutes:
    """Meeting minutes and their MinHash signature: thin (3 %), copied (1 %) or 6–9 stock sentences
    plus the meeting's own words (see the module docstring)."""

    def __init__(self, rng, np_rng, sentence_pool, sentence_sigs):
        self.rng, self.np_rng = rng, np_rng
        self.sentence_pool, self.sentence_sigs = sentence_pool, sentence_sigs
        self.recent: list = []

    def draw(self, topic_word: str):
        import numpy as np

        from party.life import similarity

        rng = self.rng
        r = rng.random()
        if r < 0.03:
            text = f"学习{topic_word}。"
            return text, similarity.signature(text)
        if r < 0.04 and self.recent:
            return rng.choice(self.recent)  # a copy
        picks = rng.sample(range(len(self.sentence_pool)), rng.randint(6, 9))
        own = "".join(rng.choice(CHARS) for _ in range(OWN_CHARS))
        text = "。".join(self.sentence_pool[i] for i in picks) + f"。{own}。"
        # The meeting's own words: OWN_CHARS - 2 shingles nobody else has — the MinHash
        # of such a set is the minimum of as many uniform hash values (drawn directly).
        unique = MAX_HASH * (1.0 - self.np_rng.random(similarity.NUM_PERM) ** (1.0 / (OWN_CHARS - 2)))
        sig = np.minimum(self.sentence_sigs[picks].min(axis=0), unique.astype(np.uint64))
        if len(self.recent) < 2000:
            self.recent.append((text, sig))
        elif rng.random() < 0.01:
            self.recent[rng.randrange(2000)] = (text, sig)
        return text, sig


def _add_meeting(w, ids, rng, now, minutes: _Minutes, pk, path, kind, day, rows, committee, lapsed) -> int:
    """One meeting (its minutes' signature and bands, the attendance); returns the attendance rows."""
    from party.life import services, similarity
    from party.models import Meeting, MeetingKind, MinutesBand, MinutesSignature

    everyone = {
        MeetingKind.THEME_DAY,
        MeetingKind.BRANCH_ASSEMBLY,
        MeetingKind.LECTURE,
        MeetingKind.LIFE_MEETING,
    }
    hours = {
        MeetingKind.LECTURE: 3,
        MeetingKind.THEME_DAY: 2,
        MeetingKind.BRANCH_ASSEMBLY: 2,
        MeetingKind.LIFE_MEETING: 3,
    }
    topic_word = rng.choice(TOPICS)
    text, sig = minutes.draw(topic_word)
    meeting = ids(Meeting)
    mrow = {
        "id": meeting,
        "org_id": pk,
        "org_path": path,
        "kind": str(kind),
        "held_on": day,
        "place": "党群服务中心",
        "topic": f"{MeetingKind(kind).label}:{topic_word}",
        "minutes": text,
        "decisions": rng.choice(DECISIONS).format(topic_word) if rng.random() < 0.95 else "",
        "study_hours": hours.get(kind, 0),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    w.add(Meeting, mrow)
    w.add(
        MinutesSignature,
        {
            "id": ids(MinutesSignature),
            "meeting_id": meeting,
            "values": similarity.to_bytes(sig),
            "length": len(text),
        },
    )
    for band, key in enumerate(similarity.band_keys(sig)):
        w.add(MinutesBand, {"id": ids(MinutesBand), "meeting_id": meeting, "band": band, "key": key})
    invited = rows if kind in everyone else [r for r in rows if r[0] in committee]
    if kind in (MeetingKind.TALK, MeetingKind.APPRAISAL):
        invited = []
    summary = _attendance(w, ids, rng, pk, path, meeting, day, invited, lapsed)
    mrow["attendance_expected"] = len(summary)
    mrow["attendance_present"] = sum(1 for _m, status, _r in summary if status == "present")
    mrow["attendance_digest"] = services.attendance_digest(summary)
    return len(summary)


def _attendance(w, ids, rng, pk, path, meeting, day, invited, lapsed) -> list[tuple]:
    """88 % present, 7 % on leave with a reason, 5 % absent; the lapsed members never come."""
    from party.models import Attendance

    summary = []
    for member, _person, _c in invited:
        if member in lapsed:
            status, reason = "absent", ""
        else:
            x = rng.random()
            status, reason = (
                ("present", "")
                if x < 0.88
                else ("leave", rng.choice(LEAVE_REASONS))
                if x < 0.95
                else ("absent", "")
            )
        w.add(
            Attendance,
            {
                "id": ids(Attendance),
                "org_id": pk,
                "org_path": path,
                "meeting_id": meeting,
                "member_id": member,
                "status": status,
                "reason": reason,
                "held_on": day,
            },
        )
        summary.append((member, status, reason))
    return summary


def load_talks(seed: int = SEED, out=sys.stdout) -> dict:
    """谈心谈话 (the talk log) of the bench district's branches with a committee, for last year and
    this year up to today: every pair of committee members and each member with one of them, in
    96 % of the branches; the others leave a pair or a few members out (``talk.coverage_gap``).
    Read from the members and posts already loaded, so it also runs on a district loaded before
    talks were logged (``--talks-only``)."""
    from collections import defaultdict

    from django.db import connection, transaction
    from django.utils import timezone

    from orgs.models import Org, Position
    from party import compliance
    from party.models import Member, Talk
    from party.talks import services as talks

    root = Org.objects.get(depth=1, code=CODE + "P")
    if Talk.objects.filter(org_path__startswith=root.path).exists():
        out.write("  talks already loaded\n")
        return {}
    started = time.perf_counter()
    rng = random.Random(seed + 17)
    now, today = timezone.now(), kit.today()
    members: dict[int, list[tuple[int, int]]] = defaultdict(list)  # branch → (member, person)
    paths: dict[int, str] = {}
    for pk, org_id, path, person in (
        Member.objects.filter(org_path__startswith=root.path, status="normal")
        .order_by("pk")
        .values_list("pk", "org_id", "org_path", "person_id")
    ):
        members[org_id].append((pk, person))
        paths[org_id] = path
    committee: dict[int, dict[int, dt.date]] = defaultdict(dict)  # branch → person → in post since
    for org_id, person, since in (
        Position.objects.current(today)
        .filter(org_path__startswith=root.path, kind__in=compliance.COMMITTEE_POSTS)
        .values_list("org_id", "person_id", "start_on")
    ):
        committee[org_id][person] = since
    ids = Ids((Talk,))
    w = Writer(connection)
    for org_id in sorted(members):
        posts = committee.get(org_id, {})
        board = [m for m, person in members[org_id] if person in posts]
        if not board:
            continue
        since = {m: posts[person] for m, person in members[org_id] if person in posts}
        for year in (today.year - 1, today.year):
            first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
            in_post = [m for m in board if since[m] <= last]  # the year's committee
            if not in_post:
                continue
            gappy = rng.random() < 0.04
            pairs = [(a, b) for i, a in enumerate(in_post) for b in in_post[i + 1 :]]
            pairs += [(rng.choice(in_post), m) for m, _p in members[org_id] if m not in in_post]
            for a, b in pairs:
                if gappy and rng.random() < 0.15:
                    continue
                # Once the committee member(s) of the pair are in post.
                begin = max(first, since[a], since[b] if b in in_post else first)
                if begin > last:
                    continue
                w.add(
                    Talk,
                    {
                        "id": ids(Talk),
                        "org_id": org_id,
                        "org_path": paths[org_id],
                        "held_on": begin + dt.timedelta(days=rng.randint(0, (last - begin).days)),
                        "initiator_id": a,
                        "other_id": b,
                        "kind": "daily",
                        "summary": "交流思想和工作情况,听取对支部工作的意见建议。",
                        "created_at": now,
                    },
                )
        if len(w.rows.get(Talk, ())) >= 50_000:
            with transaction.atomic():
                w.flush()
    with transaction.atomic():
        w.flush()
    if w.copy:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('party_talk', 'id'), (SELECT max(id) FROM party_talk))"
            )
    talks.restamp(Talk.objects.filter(org_path__startswith=root.path))  # the posts held that day
    out.write(f"  talks: {w.written.get('party.Talk', 0):,} ({time.perf_counter() - started:.1f} s)\n")
    return w.written


def vacuum_analyze(out=sys.stdout) -> float:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    seconds = time.perf_counter() - started
    out.write(f"VACUUM ANALYZE {seconds:.1f} s\n")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--branches", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--talks-only", action="store_true", help="add the talk log to a loaded district")
    args = parser.parse_args()
    setup(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.talks_only:
        load_talks(args.seed)
    else:
        load(args.branches, args.members, args.seed)
    vacuum_analyze()


if __name__ == "__main__":
    main()
