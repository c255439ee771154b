"""Provider webhooks (issue 13): a running server takes bounce and complaint events
from Amazon SES (through a signed SNS message), Postmark (HTTP Basic), SendGrid (a
signed event webhook) and Mailgun (an HMAC signature), each in its documented format
and signed with keys made here, and refuses each without its authentication. Events
naming a copy by its VERP return path suppress that reader; the next issue skips them."""
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from conftest import DOMAIN, assert_ok, data_args, request, run, scrape_metrics
from send_helpers import add_newsletter, create_issue, make_audience, sink_factory  # noqa: F401
from test_bounces import sent, show_subscriber

TOPIC = "arn:aws:sns:eu-west-1:123456789012:broadsheet-bounces"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"
MAILGUN_KEY = "key-0123456789abcdef"
POSTMARK = "broadsheet:correct horse battery"


def secret(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    os.chmod(path, 0o600)


@pytest.fixture
def keys():
    sns_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(sns_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(sns_key, hashes.SHA256()))
    return {"sns": sns_key, "sns_cert": cert.public_bytes(serialization.Encoding.PEM),
            "sendgrid": ec.generate_private_key(ec.SECP256R1())}


@pytest.fixture
def paper(data, keys):
    add_newsletter(data)
    secret(data / "secrets" / "postmark.credentials", POSTMARK)
    secret(data / "secrets" / "mailgun.key", MAILGUN_KEY)
    certs = data / "sns-certificates"
    certs.mkdir()
    (certs / (hashlib.sha256(CERT_URL.encode()).hexdigest() + ".pem")).write_bytes(keys["sns_cert"])
    return data


def server_env(keys) -> dict:
    der = keys["sendgrid"].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"BROADSHEET_WEBHOOKS_SES_TOPIC_ARNS": TOPIC,
            "BROADSHEET_WEBHOOKS_SNS_FETCH_CERTIFICATES": "false",
            "BROADSHEET_WEBHOOKS_POSTMARK_CREDENTIALS_FILE": "postmark.credentials",
            "BROADSHEET_WEBHOOKS_SENDGRID_PUBLIC_KEY": base64.b64encode(der).decode(),
            "BROADSHEET_WEBHOOKS_MAILGUN_SIGNING_KEY_FILE": "mailgun.key"}


def sns(keys, message: dict, version="2", topic=TOPIC, timestamp=None) -> bytes:
    m = {"Type": "Notification", "MessageId": "5a1d1b8a-7b4b-5e6c-9f3e-0a4c1d2e3f40",
         "TopicArn": topic, "Message": json.dumps(message),
         "Timestamp": timestamp or datetime.datetime.now(datetime.timezone.utc)
         .strftime("%Y-%m-%dT%H:%M:%S.000Z"),
         "SignatureVersion": version, "SigningCertURL": CERT_URL}
    signed = "".join(f"{k}\n{m[k]}\n" for k in ("Message", "MessageId", "Timestamp", "TopicArn", "Type"))
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    m["Signature"] = base64.b64encode(keys["sns"].sign(signed.encode(), padding.PKCS1v15(), digest)).decode()
    return json.dumps(m).encode()


def ses_bounce(address, return_path) -> dict:
    return {"notificationType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                       "bouncedRecipients": [{"emailAddress": address, "action": "failed",
                                              "status": "5.1.1",
                                              "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
                       "timestamp": "2026-12-07T08:00:01.000Z", "feedbackId": "01000-fb-1"},
            "mail": {"timestamp": "2026-12-07T08:00:00.000Z", "source": return_path,
                     "messageId": "01000-m-1", "destination": [address]}}


def sendgrid_headers(keys, body: bytes, at=None) -> dict:
    ts = str(int(at if at is not None else time.time()))
    sig = keys["sendgrid"].sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {"X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(sig).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": ts, "Content-Type": "application/json"}


def mailgun(event: dict, key=MAILGUN_KEY, at=None) -> bytes:
    ts, token = str(int(at if at is not None else time.time())), os.urandom(25).hex()
    sig = hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    return json.dumps({"signature": {"timestamp": ts, "token": token, "signature": sig},
                       "event-data": event}).encode()


def post(server, provider, body: bytes, headers=None):
    return request(server, "POST", f"/webhooks/{provider}", body=body,
                   headers=headers or {"Content-Type": "application/json"})


def test_each_provider_authenticated_suppresses_and_the_next_issue_skips(
        paper, keys, tmp_path, sink_factory, server_factory):
    readers = make_audience(paper, tmp_path, 6)
    sink = sink_factory()
    first = create_issue(paper, tmp_path, subject="Monday")
    assert_ok(run("issue", "send", first, "--wait", *data_args(paper), env=sink.env()))
    paths = {r: mail_from for r, (mail_from, _) in sent(sink).items()}
    server = server_factory(paper, env=server_env(keys))

    # Without its authentication, nothing is accepted and nothing stored.
    ses_body = ses_bounce(readers[0], paths[readers[0]])
    forged = sns(keys, ses_body).replace(readers[0].encode(), readers[5].encode())
    assert post(server, "ses", forged).status == 401
    assert post(server, "ses", sns(keys, ses_body, topic="arn:aws:sns:eu-west-1:6:other")).status == 401
    assert post(server, "ses", sns(keys, ses_body, timestamp="2026-01-01T00:00:00.000Z")).status == 401
    pm = json.dumps({"RecordType": "SpamComplaint", "ID": 4242, "Type": "SpamComplaint",
                     "TypeCode": 512, "Email": readers[1],
                     "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
                     "Metadata": {"broadsheet": paths[readers[1]]}}).encode()
    assert post(server, "postmark", pm).status == 401
    wrong = base64.b64encode(b"broadsheet:wrong").decode()
    assert post(server, "postmark", pm, {"Authorization": f"Basic {wrong}"}).status == 401
    sg = json.dumps([{"email": readers[2], "timestamp": int(time.time()), "event": "bounce",
                      "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 unknown user",
                      "sg_event_id": "ZWUtMQ", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001",
                      "broadsheet": paths[readers[2]]}]).encode()
    assert post(server, "sendgrid", sg).status == 401
    assert post(server, "sendgrid", sg, sendgrid_headers(keys, sg + b" ")).status == 401
    assert post(server, "sendgrid", sg, sendgrid_headers(keys, sg, time.time() - 3600)).status == 401
    mg_event = {"event": "failed", "severity": "permanent", "id": "G9Bn5sl1TC6dg4MyJ0X7jw",
                "timestamp": time.time(), "recipient": readers[3],
                "envelope": {"sender": paths[readers[3]], "transport": "smtp"},
                "delivery-status": {"code": 550, "message": "5.1.1 No such user"}}
    assert post(server, "mailgun", mailgun(mg_event, key="key-wrong")).status == 401
    assert post(server, "mailgun", mailgun(mg_event, at=time.time() - 3600)).status == 401
    assert post(server, "sparkpost", b"{}").status == 404
    for r in readers:
        assert show_subscriber(paper, r)["suppressed_since"] is None
    assert "refused" in server.log()

    # Authenticated: each suppresses its reader, named by the copy's return path.
    r = post(server, "ses", sns(keys, ses_body, version="1"))
    assert r.status == 200 and r.json()["recorded"] == 1, r
    r = post(server, "ses", sns(keys, ses_body, version="2"))  # the same bounce again
    assert r.status == 200 and r.json() == {"recorded": 0, "duplicates": 1, "ignored": 0}, r
    ok = base64.b64encode(POSTMARK.encode()).decode()
    r = post(server, "postmark", pm, {"Authorization": f"Basic {ok}", "Content-Type": "application/json"})
    assert r.status == 200 and r.json()["recorded"] == 1, r
    r = post(server, "sendgrid", sg, sendgrid_headers(keys, sg))
    assert r.status == 200 and r.json()["recorded"] == 1, r
    r = post(server, "mailgun", mailgun(mg_event))
    assert r.status == 200 and r.json()["recorded"] == 1, r

    dead = readers[:4]
    for reader, source, kind in zip(dead, ["ses", "postmark", "sendgrid", "mailgun"],
                                    ["hard", "complaint", "hard", "hard"]):
        info = show_subscriber(paper, reader)
        assert info["suppressed_since"] is not None, reader
        assert [(e["kind"], e["issue_id"]) for e in info["bounces"]] == [(kind, first)], info["bounces"]
    assert [s["status"] for s in show_subscriber(paper, readers[1])["subscriptions"]] == ["unsubscribed"]
    metrics = scrape_metrics(server)
    assert metrics['broadsheet_bounces_total{kind="hard"}'] == 3
    assert metrics['broadsheet_bounces_total{kind="complaint"}'] == 1

    # The first issue's rates at its one receiving domain, over both limits.
    shown = json.loads(assert_ok(run("issue", "show", first, "--json", *data_args(paper))).stdout)
    assert shown["domain_rates"]["limits"] == {"bounce_rate": 0.02, "complaint_rate": 0.003}
    assert shown["domain_rates"]["domains"] == [
        {"domain": DOMAIN, "sent": 6, "bounces": 3, "complaints": 1, "bounce_rate": 0.5,
         "complaint_rate": 1 / 6, "over": ["bounce_rate", "complaint_rate"]}]
    text = assert_ok(run("issue", "show", first, *data_args(paper))).stdout
    assert (f"domain:      {DOMAIN}: 6 sent, 3 bounces (50%, over 2%), 1 complaint (17%, over 0.3%)"
            in text), text

    assert server.terminate()[0] == 0  # the next send runs in the foreground, into sink2
    second = create_issue(paper, tmp_path, subject="Tuesday")
    sink2 = sink_factory(name="sink2")
    assert_ok(run("issue", "send", second, "--wait", *data_args(paper), env=sink2.env()))
    assert sorted(sink2.recipients()) == sorted(set(readers) - set(dead))


def test_a_provider_not_configured_is_not_found_and_a_large_body_refused(paper, server_factory):
    server = server_factory(paper, env={"BROADSHEET_WEBHOOKS_MAX_BODY_BYTES": "2048"})
    for provider in ("ses", "postmark", "sendgrid", "mailgun"):
        r = post(server, provider, b"{}")
        assert r.status == 404 and r.json()["error"]["code"] == "not_found", (provider, r)
    assert post(server, "mailgun", b"x" * 4096).status == 413


# --- the suppression list in the token API ------------------------------------------------

from test_api import (Api, PASSWORD, _desk_template, add_user, assert_error,  # noqa: E402,F401
                      create_token, desk)


def test_the_api_lists_adds_and_removes_suppressions(desk, server_factory):
    server = server_factory(desk.data)
    editor, stranger = Api(server, desk.token), Api(server, None)
    assert stranger.get("/api/v1/suppressions").status == 401
    assert stranger.post("/api/v1/suppressions", {"email": f"x@{DOMAIN}"}).status == 401
    assert stranger.call("DELETE", f"/api/v1/suppressions/x@{DOMAIN}").status == 401
    # The list is the audience's: an editor's token reads it and changes nothing.
    assert editor.get("/api/v1/suppressions").status == 200
    assert_error(editor.post("/api/v1/suppressions", {"email": f"x@{DOMAIN}"}), 403, "forbidden")
    assert_error(editor.call("DELETE", f"/api/v1/suppressions/x@{DOMAIN}"), 403, "forbidden")
    assert add_user(desk.data, "aud", PASSWORD, "--role", "audience").returncode == 0
    api = Api(server, create_token(desk.data, "crm", "--user", "aud"))

    added = []
    for i in range(5):
        r = api.post("/api/v1/suppressions", {"email": f"Gone{i}@{DOMAIN.upper()}", "reason": "asked by phone"})
        assert r.status == 201, r
        assert r.json() == {"address": f"Gone{i}@{DOMAIN}", "added": True}
        added.append(r.json()["address"])
    r = api.post("/api/v1/suppressions", {"email": added[0]})
    assert r.status == 200 and r.json()["added"] is False, r
    assert_error(api.post("/api/v1/suppressions", {"email": "not an address"}), 400, "invalid_field")
    assert_error(api.post("/api/v1/suppressions", {"email": added[0], "colour": "red"}), 400,
                 "invalid_field", "colour")

    # Keyset paging: two pages of 3 and 2, no entry twice, the same as the CLI lists.
    first = api.get("/api/v1/suppressions?limit=3").json()
    assert len(first["suppressions"]) == 3 and first["next_after"]
    second = api.get(f"/api/v1/suppressions?limit=3&after={first['next_after']}").json()
    assert len(second["suppressions"]) == 2 and second["next_after"] is None
    listed = [s["address"] for s in first["suppressions"] + second["suppressions"]]
    assert sorted(listed) == sorted(added)
    assert all(s["source"] == "api" and s["reason"] == "asked by phone"
               for s in first["suppressions"] + second["suppressions"])
    cli = assert_ok(run("suppression", "list", *data_args(desk.data))).stdout
    assert all(a in cli for a in added)
    assert_error(api.get("/api/v1/suppressions?limit=0"), 400, "invalid_field")
    assert_error(api.get("/api/v1/suppressions?after=zz"), 400, "invalid_field")

    r = api.call("DELETE", f"/api/v1/suppressions/{added[1]}")
    assert r.status == 200 and r.json() == {"address": added[1], "removed": True}, r
    assert_error(api.call("DELETE", f"/api/v1/suppressions/{added[1]}"), 404, "not_found")
    assert added[1] not in assert_ok(run("suppression", "list", *data_args(desk.data))).stdout
