"""Load /wechat (real app, SQLite or PG) vs a bare FastAPI endpoint returning fixed XML: msgs/s and p99 at 50 senders.

Closed loop (every sender fires again as soon as it has its reply) measures throughput; there p99 is queueing
(Little's law: 50 in flight / throughput). The open loop (THINK=1: each of the 50 senders sends one message a second,
like residents typing) measures the latency a resident sees at a sustainable rate.

The per-resident chat limit is off (WUFEI_CHAT__RATE_PER_MINUTE=0): each sender is one openid, and with the limit on
all but its first 30 messages a minute would be dropped unanswered, which is not the path being measured. `cost`
is the bare endpoint's throughput over the app's: how many bare requests one message costs (the issue's ratio).

The app's requests carry WeChat's signature and signed plaintext XML (兼容 mode) by default; ENCRYPTED=1 posts
安全-mode pushes encrypted with wechatpy's crypto (the app decrypts, answers and encrypts its reply). The bare endpoint
only reads the body and returns fixed XML in both cases (no signature check, no crypto).

    SENDERS=1 PER=400 THINK=0 ENCRYPTED=1 .venv/bin/python bench/wechat_bench.py
"""

import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, encrypted_request, message_xml, signed_query  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from serving import APP, start, stop  # noqa: E402

PY = sys.executable
ENCRYPTED = os.environ.get("ENCRYPTED", "") == "1"  # post 安全-mode encrypted pushes instead of signed plaintext
REPLY = "<Encrypt>" if ENCRYPTED else "<Content>"  # what the app's answer carries
QUESTIONS = ["用过的纸巾", "过期药品", "电池", "外卖餐盒", "快递纸箱", "大骨头", "奶茶", "旧衣服", "灯管", "帮助"]


async def load(base, senders, per_sender, offset, think=0.0, expect="<Content>"):
    """Closed loop (think=0: each sender fires again at once) or open loop (each sender sends every `think` s)."""
    lat = []
    ok = 0
    counter = itertools.count(offset)
    payloads = {}  # built before the clock starts: the generator's crypto must not count as server latency
    for i in range(senders):
        for _ in range(per_sender):
            n = next(counter)
            xml = message_xml(
                f"o_bench_{offset}_{i}",
                "text",
                Content=QUESTIONS[n % len(QUESTIONS)],
                MsgId=n,
                create_time=1_700_000_000 + n,
            )
            if ENCRYPTED:  # 安全 mode: the body as WeChat's servers encrypt it (wechatpy's crypto), the reply encrypted
                query, body = encrypted_request(xml)
                payloads.setdefault(i, []).append((query, body.encode()))
            else:
                payloads.setdefault(i, []).append((signed_query(), xml.encode()))
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=senders)) as c:

        async def sender(i, t0):
            nonlocal ok
            for k, (query, body) in enumerate(payloads[i]):
                if think:
                    await asyncio.sleep(max(0.0, t0 + (k + i / senders) * think - time.perf_counter()))
                t = time.perf_counter()
                r = await c.post(base + "/wechat", params=query, content=body)
                lat.append(time.perf_counter() - t)
                ok += r.status_code == 200 and expect in r.text

        t0 = time.perf_counter()
        await asyncio.gather(*(sender(i, t0) for i in range(senders)))
        wall = time.perf_counter() - t0
    lat.sort()
    return {
        "msgs": len(lat),
        "ok": ok,
        "rps": round(len(lat) / wall, 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1),
    }


def main():
    senders, per = int(os.environ.get("SENDERS", 50)), int(os.environ.get("PER", 20))
    db = os.environ.get("DB") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    env = {
        **os.environ,
        "WUFEI_DATABASE_URL": db,
        "WUFEI_WECHAT__TOKEN": TOKEN,
        "WUFEI_WECHAT__APP_ID": APP_ID,
        "WUFEI_WECHAT__ENCODING_AES_KEY": AES_KEY,
        "WUFEI_WECHAT__MODE": "safe" if ENCRYPTED else "compatible",  # ENCRYPTED=1: encrypted bodies only
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_CHAT__RATE_PER_MINUTE": "0",  # one openid per sender: measure answers, not the limit's drops
        "PYTHONPATH": str(ROOT),
    }
    bare, bare_url = start(["wechat_bare_app:app", "--app-dir", str(ROOT / "bench")], env)
    real, real_url = start(APP, env)
    try:
        asyncio.run(load(real_url, 5, 4, 10_000_000))  # warm-up
        asyncio.run(load(bare_url, 5, 4, 0))
        b = asyncio.run(load(bare_url, senders, per, 0))
        r = asyncio.run(load(real_url, senders, per, 20_000_000, expect=REPLY))
        body = "encrypted XML (安全 mode: decrypt, answer, encrypt)" if ENCRYPTED else "signed plaintext XML"
        print("db:", db.split(":")[0], "senders:", senders, "per sender:", per, "body:", body)
        print("bare fixed-XML endpoint (reads the body, no signature, no crypto):", b)
        print(
            "/wechat real app       :",
            r,
            f"-> {100 * r['rps'] / b['rps']:.0f}% of bare throughput, cost {b['rps'] / r['rps']:.2f}x bare",
        )
        think = float(os.environ.get("THINK", 1.0))  # open loop: 50 senders × 1 message/s = 50 msg/s offered
        if think:
            bo = asyncio.run(load(bare_url, senders, per, 40_000_000, think))
            ro = asyncio.run(load(real_url, senders, per, 60_000_000, think, expect=REPLY))
            print(f"open loop, each sender every {think} s ({senders / think:.0f} msg/s offered):")
            print("  bare fixed-XML endpoint:", bo)
            print("  /wechat real app       :", ro)
    finally:
        stop([bare, real])


if __name__ == "__main__":
    main()
