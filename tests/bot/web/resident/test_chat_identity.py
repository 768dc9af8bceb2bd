"""The web chat identity: the server issues a signed HttpOnly cookie; a client-chosen id opens no conversation or inbox."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import texts
from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings
from bot.db import session_factory, transaction
from bot.web.app import create_app
from bot.web.resident import identity
from campaigns.models import ChannelIdentity
from tests.support.webchat import WebResidents

NOW = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


def quiet(settings: Settings) -> Settings:
    return settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False})})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(quiet(settings))) as c:
        yield c


def web_ids(settings: Settings) -> list[str]:
    with transaction(session_factory(settings.db_url)) as session:
        return list(
            session.execute(select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "web")).scalars()
        )


def test_the_first_message_gets_a_signed_httponly_cookie_that_keeps_the_conversation(
    client: TestClient, settings: Settings
) -> None:
    first = client.post("/api/chat", json={"text": "电池"})
    assert first.json()["answer"]["intent"] == "clarify"
    header = first.headers["set-cookie"]
    assert header.startswith(identity.COOKIE + "=")
    for attribute in ("HttpOnly", "Path=/api/chat", "SameSite=lax", "Max-Age="):
        assert attribute in header
    web_id, tag = first.cookies[identity.COOKIE].split(".")
    assert len(web_id) == 22 and tag  # 128 random bits, and a MAC
    second = client.post("/api/chat", json={"text": "1"}).json()  # the client sends the cookie back
    assert second["answer"]["items"][0]["category"] == "其他垃圾"
    assert web_ids(settings) == [web_id]


def test_an_id_in_the_body_is_not_honoured(client: TestClient, settings: Settings) -> None:
    people = WebResidents(client)
    assert people.ask("victim", "电池")["answer"]["intent"] == "clarify"  # the victim has a question open
    [victim_id] = web_ids(settings)
    for user in (victim_id, identity.sign(b"guessed key", victim_id)):
        client.cookies.clear()
        taken = client.post("/api/chat", json={"user": user, "text": "1"}).json()
        assert taken["answer"]["intent"] != "sorting"  # a stranger's "1" did not answer the victim's question
    assert len(set(web_ids(settings))) == 3 and victim_id in web_ids(settings)
    assert people.ask("victim", "1")["answer"]["items"][0]["category"] == "其他垃圾"  # still open for the victim


def flip(tag: str) -> str:
    return ("B" if tag[0] == "A" else "A") + tag[1:]


def test_a_forged_or_tampered_cookie_gets_a_new_identity(client: TestClient, settings: Settings) -> None:
    people = WebResidents(client)
    people.ask("victim", "电池")
    [victim_id] = web_ids(settings)
    genuine = people.cookies["victim"]
    forged = [
        victim_id,  # the bare id
        identity.sign(b"another key", victim_id),  # signed with the wrong key
        victim_id + "." + flip(genuine.split(".")[1]),  # one character of the MAC changed
    ]
    for value in forged:
        client.cookies.clear()
        r = client.post("/api/chat", json={"text": "1"}, headers={"cookie": f"{identity.COOKIE}={value}"})
        assert r.cookies[identity.COOKIE] != genuine
        assert r.json()["answer"]["intent"] != "sorting"
    assert len(web_ids(settings)) == 1 + len(forged)


def test_another_residents_inbox_cannot_be_read(client: TestClient, settings: Settings) -> None:
    people = WebResidents(client)
    people.ask("victim", "订阅")
    people.ask("stranger", "你好")
    victim_id = people.cookies["victim"].split(".")[0]
    WebOutboxSender(session_factory(settings.db_url)).send(victim_id, "您的专属问卷：https://x.cn/s/SECRET", now=NOW)

    client.cookies.clear()
    bare = client.get("/api/chat/inbox", params={"user": victim_id})  # today's API: the id in the query string
    assert bare.status_code == 401
    assert bare.json() == {"detail": texts.WEB_IDENTITY_MISSING}
    for value in (victim_id, identity.sign(b"guessed key", victim_id)):
        forged = client.get("/api/chat/inbox", headers={"cookie": f"{identity.COOKIE}={value}"})
        assert forged.status_code == 401 and "SECRET" not in forged.text
    stranger = client.get(
        "/api/chat/inbox", params={"user": victim_id}, headers=WebResidents.headers(people, "stranger")
    )
    assert stranger.status_code == 200 and stranger.json() == {"messages": [], "last_id": 0}
    mine = people.inbox("victim").json()
    assert [m["text"] for m in mine["messages"]] == ["您的专属问卷：https://x.cn/s/SECRET"]


def test_the_cookie_works_in_every_process_and_after_a_restart(settings: Settings) -> None:
    with TestClient(create_app(quiet(settings))) as first:
        first.post("/api/chat", json={"text": "电池"})
        cookie = first.cookies[identity.COOKIE]
    with TestClient(create_app(quiet(settings))) as second:  # another process: the same salt, the same key
        second.cookies.set(identity.COOKIE, cookie, path="/api/chat")
        reply = second.post("/api/chat", json={"text": "1"}).json()
        assert reply["answer"]["items"][0]["category"] == "其他垃圾"
        assert second.get("/api/chat/inbox").status_code == 200
    assert len(web_ids(settings)) == 1


def test_the_cookie_is_secure_over_https(settings: Settings) -> None:
    with TestClient(create_app(quiet(settings)), base_url="https://wufei.example.cn") as c:
        assert "Secure" in c.post("/api/chat", json={"text": "你好"}).headers["set-cookie"]


def test_verify_refuses_malformed_values() -> None:
    key = b"k" * 32
    good = identity.sign(key, identity.new_id())
    assert identity.verify(key, good) == good.split(".")[0]
    for bad in (None, "", ".", good + "x", good.replace(".", ""), "é" * 22 + "." + good.split(".")[1], "x" * 200):
        assert identity.verify(key, bad) is None


def test_the_cookie_is_renewed_only_once_it_is_older_than_renew_after(client: TestClient, settings: Settings) -> None:
    first = client.post("/api/chat", json={"text": "电池"})
    cookie = first.cookies[identity.COOKIE]
    web_id = cookie.split(".")[0]
    assert "set-cookie" not in client.post("/api/chat", json={"text": "你好"}).headers  # fresh: not sent again
    key = identity.signing_key(settings)
    issued = int(time.time()) - identity.RENEW_AFTER - 60
    client.cookies.clear()
    aged = identity.sign(key, web_id, issued)
    renewed = client.post("/api/chat", json={"text": "1"}, headers={"cookie": f"{identity.COOKIE}={aged}"})
    assert renewed.json()["answer"]["items"][0]["category"] == "其他垃圾"  # the same conversation
    found = identity.read(key, renewed.cookies[identity.COOKIE])
    assert found is not None and found[0] == web_id and found[1] > issued + identity.RENEW_AFTER
    assert web_ids(settings) == [web_id]


def test_a_cookie_issued_before_the_tag_carried_its_time_is_honoured_and_renewed(
    client: TestClient, settings: Settings
) -> None:
    client.post("/api/chat", json={"text": "电池"})
    web_id = client.cookies[identity.COOKIE].split(".")[0]
    key = identity.signing_key(settings)
    mac = hmac.new(key, web_id.encode(), hashlib.sha256).digest()[: identity.TAG_BYTES]
    earlier = f"{web_id}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"  # the format issued until round 6
    assert identity.read(key, earlier) == (web_id, 0)
    client.cookies.clear()
    r = client.post("/api/chat", json={"text": "1"}, headers={"cookie": f"{identity.COOKIE}={earlier}"})
    assert r.json()["answer"]["items"][0]["category"] == "其他垃圾"
    assert identity.verify(key, r.cookies[identity.COOKIE]) == web_id and r.cookies[identity.COOKIE] != earlier
    assert web_ids(settings) == [web_id]
