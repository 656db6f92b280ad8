#!/usr/bin/env python3
"""GET /v1/clients/{client}/journeys/{id} (HTTP-API.md) on the real binary with a manual
clock: visitors enter an A/B test, some without consent; the clock moves; the counts per
step and per split arm must be exactly what happened — each contact's own path read back
through the contacts API, each message's outcome through the outbox file. Also: its
401 and 404 answers, and that it agrees with the journey list."""
import json
import shutil
import tempfile
from pathlib import Path

from cli_harness import check, finish, source_dir
from service_harness import ADMIN, Host, R

KEY = "shop-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"

CLIENT = f'''api_keys = ["{KEY}"]
timezone = "UTC"
require_consent = true
[pressure]
max_per_day = 1
[channels.email]
plugin = "file"
path = "var/outbox/email.jsonl"
[channels.broken]
plugin = "file"
path = "var/outbox/broken.jsonl"
'''

# Arm 1 gets an offer at once and a second email the same day (over max_per_day: it is
# suppressed); arm 2 waits a day, then its offer goes to a channel that always fails
# (its file is made a folder once the host runs: the file plugin asks to retry, until
# the attempts run out).
PROMO = '''id = "promo"
name = "Promo"
stage = "consideration"
[entry]
on = "promo.viewed"
[goal]
on = "order.completed"
[[steps]]
id = "pick"
split = [{ weight = 50, goto = "offer" }, { weight = 50, goto = "later" }]
[[steps]]
id = "offer"
send = "email"
subject = "Offer"
text = "10% off"
[[steps]]
id = "again"
send = "email"
text = "Still 10% off"
[[steps]]
id = "window"
wait = "3d"
goto = "end"
[[steps]]
id = "later"
wait = "1d"
[[steps]]
id = "late-offer"
send = "broken"
text = "Late offer"
[[steps]]
wait = "2d"
'''

CONSENTING = [f"v{i}" for i in range(8)]
NO_CONSENT = ["n0", "n1", "n2", "n3"]
BUYERS = ["v0", "v1", "v2", "n0"]


def make_root(tmp):
    root = Path(tmp)
    (root / "config/clients/shop/journeys").mkdir(parents=True)
    shutil.copy(Path(source_dir) / "config/parcours.toml", root / "config/parcours.toml")
    (root / "config/clients/shop/client.toml").write_text(CLIENT)
    (root / "config/clients/shop/journeys/promo.toml").write_text(PROMO)
    (root / "config/clients/other").mkdir(parents=True)
    (root / "config/clients/other/client.toml").write_text(f'api_keys = ["{OTHER_KEY}"]\n')
    return root


def visitor(contact):
    consent = {"email": True, "broken": True} if contact in CONSENTING else {}
    return {"type": "promo.viewed", "contact": contact, "attributes": {"first_name": contact, "consent": consent}}


def advance(host, by):
    status, body, _ = host.request("POST", "/v1/admin/clock", {"advance": by}, ADMIN)
    check(f"the clock moves {by}", status == 200, R(status, body))


with tempfile.TemporaryDirectory() as tmp:
    root = make_root(tmp)
    host = Host(root, ["--clock", "manual", "--now", "2026-11-23T10:00:00Z"])
    (root / "var/outbox/broken.jsonl").mkdir(parents=True)  # the `broken` channel can never write

    def detail():
        status, body, _ = host.request("GET", "/v1/clients/shop/journeys/promo", token=KEY)
        check("GET /v1/clients/shop/journeys/promo answers 200", status == 200, R(status, body))
        answer = json.loads(body) if status == 200 else {"steps": [], "counts": {}}
        return answer, {step["step"]: step for step in answer["steps"]}

    # --- its refusals ------------------------------------------------------------------
    status, body, headers = host.request("GET", "/v1/clients/shop/journeys/promo")
    check("without a token it is 401 with WWW-Authenticate", status == 401 and
          headers.get("WWW-Authenticate") == "Bearer", R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/shop/journeys/promo", token=OTHER_KEY)
    check("another client's key is 401", status == 401, R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/shop/journeys/nope", token=KEY)
    error = json.loads(body).get("error", {}) if body.startswith("{") else {}
    check("an unknown journey is 404 with a JSON error that says where the journeys are listed",
          status == 404 and error.get("code") == "unknown_journey" and "nope" in error.get("message", "") and
          "/v1/clients/shop/journeys" in error.get("message", ""), R(status, body))
    status, body, _ = host.request("GET", "/v1/clients/nobody/journeys/promo", token=KEY)
    check("an unknown client is 404", status == 404 and "unknown_client" in body, R(status, body))
    status, body, headers = host.request("POST", "/v1/clients/shop/journeys/promo", {}, KEY)
    check("it answers GET only", status == 405 and headers.get("Allow") == "GET", R(status, body))

    # --- before anyone came ---------------------------------------------------------------
    answer, steps = detail()
    check("a journey nobody entered: its shape, every count 0, no rate to divide",
          answer.get("id") == "promo" and answer.get("name") == "Promo" and answer.get("stage") == "consideration" and
          answer.get("enabled") is True and answer.get("entry") == "promo.viewed" and
          answer.get("goal") == "order.completed" and
          answer["counts"] == {"enrolled": 0, "active": 0, "completed": 0, "converted": 0, "exited": 0,
                               "conversion_rate": None} and
          [s["step"] for s in answer["steps"]] == ["pick", "offer", "again", "window", "later", "late-offer",
                                                   "step 7"] and
          [s["kind"] for s in answer["steps"]] == ["split", "send", "send", "wait", "wait", "send", "wait"],
          R(0, json.dumps(answer)))

    # --- 12 visitors, 4 of whom buy at once ------------------------------------------------
    status, body, _ = host.request("POST", "/v1/clients/shop/events",
                                   [visitor(c) for c in CONSENTING + NO_CONSENT], KEY)
    check("12 visitors enter the A/B test", status == 202 and json.loads(body)["accepted"] == 12, R(status, body))
    advance(host, "1m")  # runs the sends that fell due, in this request
    status, body, _ = host.request("POST", "/v1/clients/shop/events",
                                   [{"type": "order.completed", "contact": c} for c in BUYERS], KEY)
    check("4 of them order", status == 202, R(status, body))

    # Where each contact went, read through the contacts API (not the counters).
    arm_of = {}
    for contact in CONSENTING + NO_CONSENT:
        status, body, _ = host.request("GET", "/v1/clients/shop/contacts/" + contact, token=KEY)
        enrollment = json.loads(body)["enrollments"][0] if status == 200 else {}
        arm_of[contact] = 2 if enrollment.get("step") == "'later'" else 1
    arm1 = [c for c in arm_of if arm_of[c] == 1]
    arm2 = [c for c in arm_of if arm_of[c] == 2]

    def count(contacts, consenting=None, bought=None):
        return len([c for c in contacts if (consenting is None or (c in CONSENTING) == consenting) and
                    (bought is None or (c in BUYERS) == bought)])

    check("the scenario covers every case: each arm has consenting visitors and visitors without consent, "
          "and buyers",
          count(arm1, True) and count(arm1, False) and count(arm2, True) and count(arm2, False) and
          count(arm1, bought=True) and count(arm2, bought=True), R(0, str(arm_of)))

    outbox = root / "var/outbox/email.jsonl"
    emails = [json.loads(line) for line in outbox.read_text().splitlines()] if outbox.exists() else []
    check("one offer email to each consenting visitor of arm 1, and nothing else",
          sorted(m["contact"]["id"] for m in emails) == sorted(c for c in arm1 if c in CONSENTING),
          R(0, str(emails)))

    answer, steps = detail()
    check("the journey's totals: 12 enrolled, 4 converted, 8 active",
          answer["counts"] == {"enrolled": 12, "active": 8, "completed": 0, "converted": 4, "exited": 0,
                               "conversion_rate": 4 / 12}, R(0, json.dumps(answer["counts"])))
    pick = steps.get("pick", {})
    check("the split: 12 entered, and per arm who took it, who converted, and the rate",
          pick.get("entered") == 12 and pick.get("arms") == [
              {"arm": 1, "goto": "offer", "weight_percent": 50, "entered": len(arm1),
               "converted": count(arm1, bought=True), "conversion_rate": count(arm1, bought=True) / len(arm1)},
              {"arm": 2, "goto": "later", "weight_percent": 50, "entered": len(arm2),
               "converted": count(arm2, bought=True), "conversion_rate": count(arm2, bought=True) / len(arm2)}],
          R(0, json.dumps(pick)))
    check("the offer: queued for arm 1, sent and delivered to those who consented, suppressed for the others",
          steps.get("offer") == {"step": "offer", "kind": "send", "channel": "email", "entered": len(arm1),
                                 "queued": len(arm1), "sent": count(arm1, True), "delivered": count(arm1, True),
                                 "failed": 0, "suppressed": count(arm1, False),
                                 "suppressed_by": {"consent": count(arm1, False), "pressure": 0},
                                 "opened": 0, "clicked": 0},
          R(0, json.dumps(steps.get("offer"))))
    check("the second email the same day: nothing sent, suppressed by pressure or for want of consent",
          steps.get("again") == {"step": "again", "kind": "send", "channel": "email", "entered": len(arm1),
                                 "queued": len(arm1), "sent": 0, "delivered": 0, "failed": 0,
                                 "suppressed": len(arm1),
                                 "suppressed_by": {"consent": count(arm1, False), "pressure": count(arm1, True)},
                                 "opened": 0, "clicked": 0},
          R(0, json.dumps(steps.get("again"))))
    check("waiting now: arm 1 at `window` and arm 2 at `later`, less those who bought",
          steps.get("window") == {"step": "window", "kind": "wait", "entered": len(arm1),
                                  "waiting": count(arm1, bought=False)} and
          steps.get("later") == {"step": "later", "kind": "wait", "entered": len(arm2),
                                 "waiting": count(arm2, bought=False)},
          R(0, json.dumps([steps.get("window"), steps.get("later")])))
    check("nobody reached the late offer yet", steps.get("late-offer", {}).get("entered") == 0 and
          steps.get("late-offer", {}).get("queued") == 0, R(0, json.dumps(steps.get("late-offer"))))

    # --- a day later: arm 2's offer on a channel that fails --------------------------------
    advance(host, "1d")
    answer, steps = detail()
    late = count(arm2, bought=False)
    late_consenting = count(arm2, True, bought=False)
    check("a day later nobody waits at `later`; the late offer went out once to each consenting visitor "
          "(the channel asks to retry: sent, neither delivered nor failed yet)",
          steps.get("later", {}).get("waiting") == 0 and
          steps.get("late-offer") == {"step": "late-offer", "kind": "send", "channel": "broken", "entered": late,
                                      "queued": late, "sent": late_consenting, "delivered": 0, "failed": 0,
                                      "suppressed": late - late_consenting,
                                      "suppressed_by": {"consent": late - late_consenting, "pressure": 0},
                                      "opened": 0, "clicked": 0} and
          steps.get("step 7") == {"step": "step 7", "kind": "wait", "entered": late, "waiting": late},
          R(0, json.dumps(steps)))

    # --- three days on: retries exhausted, every wait over -----------------------------------
    advance(host, "3d")
    answer, steps = detail()
    check("after every retry the late offers failed for good, each still sent once",
          steps.get("late-offer", {}).get("sent") == late_consenting and
          steps.get("late-offer", {}).get("failed") == late_consenting and
          steps.get("late-offer", {}).get("delivered") == 0, R(0, json.dumps(steps.get("late-offer"))))
    check("everyone who did not buy completed; nobody waits anywhere",
          answer["counts"] == {"enrolled": 12, "active": 0, "completed": 8, "converted": 4, "exited": 0,
                               "conversion_rate": 4 / 12} and
          all(step.get("waiting", 0) == 0 for step in answer["steps"]), R(0, json.dumps(answer)))

    status, body, _ = host.request("GET", "/v1/clients/shop/journeys", token=KEY)
    listed = {j["id"]: j["counts"] for j in json.loads(body)} if status == 200 else {}
    check("the journey list gives the same totals", listed.get("promo") == answer["counts"], R(status, body))

    code, log = host.stop()
    check("the host stops cleanly", code == 0, R(code, log[-2000:]))

finish()
