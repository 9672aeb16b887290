"""The round's 台账 in the office layout (``core.ledger``): 序号, 党组织, 书记, 述职时间, each item's
score, 综合得分, 等次, 主要问题 — the rows the user may see, results only where they are visible."""

from __future__ import annotations

import datetime as dt

from core.ledger import Column, Ledger, ledger_bytes
from orgs.selectors import ledger_signature
from party.duty_review import selectors
from party.duty_review.models import ReviewRound


def columns(round_: ReviewRound) -> list[Column]:
    return [
        Column("序号", 6, "seq"),
        Column("党组织", 28),
        Column("书记", 10),
        Column("述职时间", 11, "date"),
        *[Column(f"{i['label']}({i['weight']}%)", 11, "number", "0.00") for i in round_.items],
        Column("综合得分", 9, "number", "0.00"),
        Column("等次", 7),
        Column("评议人数", 7, "int"),
        Column("主要问题", 44),
    ]


def round_workbook(user, round_: ReviewRound, today: dt.date) -> bytes:
    rows = []
    for seq, row in enumerate(selectors.result_rows(user, round_), start=1):
        r = row["reporter"]
        shown = row["shown"]
        scores = [float(v) if v not in ("", None) else None for v in row["items"]] or [None] * len(
            round_.items
        )
        rows.append(
            [
                seq,
                r.org.name,
                r.secretary_name,
                r.reported_on,
                *scores,
                float(r.score) if shown and r.score is not None else None,
                r.get_level_display() if shown else "",
                r.rater_count if shown else None,
                ";".join(f"{i}. {p.text}" for i, p in enumerate(row["problems"], start=1)),
            ]
        )
    _unit, maker = ledger_signature(user)
    notes = [
        "评议项目及权重:" + ",".join(f"{i['label']} {i['weight']}%" for i in round_.items),
        "等次:综合得分 {good} 分及以上为好,{fair} 分及以上为较好,{average} 分及以上为一般,以下为差".format(
            **round_.thresholds
        )
        if round_.thresholds
        else "等次:启动后按规则参数确定",
    ]
    return ledger_bytes(
        Ledger(
            title=f"{round_.title}结果",
            columns=columns(round_),
            rows=rows,
            unit=round_.org.name,
            period=f"{round_.year}年度",
            maker=maker,
            made_on=today,
            sheet=f"{round_.year}年度述职评议",
            notes=notes,
            freeze_columns=3,
        )
    )
