#!/usr/bin/env python3
"""A partner's use of Sesame's API, with the Python standard library only.

    SESAME_URL=http://127.0.0.1:8080 SESAME_PARTNER_KEY=ssk_... \
        python3 examples/partner.py p00000001 personal_loan 10000

It asks for a decision on a product for a person who has consented to this
partner, then reads the score the consent allows. Errors come back in the
API's one shape ({"error": {"code", "message", "details", "request_id"}}),
raised here as SesameError. The full description is /openapi.json.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class SesameError(Exception):
    def __init__(self, status, body):
        err = body.get("error", {}) if isinstance(body, dict) else {}
        self.status = status
        self.code = err.get("code", "http")
        self.details = err.get("details", [])
        self.request_id = err.get("request_id", "")
        super().__init__(f"{status} {self.code}: {err.get('message', body)} (request {self.request_id})")


class Sesame:
    def __init__(self, base_url, key):
        self.base_url = base_url.rstrip("/")
        self.key = key

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.key)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            try:
                payload = json.load(e)
            except ValueError:
                payload = {}
            raise SesameError(e.code, payload) from None

    def decide(self, person, product, requested=0):
        """POST /v1/partner/decisions: needs the person's live consent."""
        return self._call("POST", "/v1/partner/decisions",
                          {"person": person, "product": product, "requested": requested})

    def score(self, person):
        """GET /v1/partner/people/{ref}/score: what the consent's scope allows."""
        return self._call("GET", "/v1/partner/people/" + urllib.parse.quote(person, safe="") + "/score")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: partner.py PERSON PRODUCT [REQUESTED]")
    person, product = sys.argv[1], sys.argv[2]
    requested = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    api = Sesame(os.environ.get("SESAME_URL", "http://127.0.0.1:8080"), os.environ["SESAME_PARTNER_KEY"])
    try:
        d = api.decide(person, product, requested)
        print(f"decision {d['id']}: {d['result']['decision']} (policy {d['policy_version']}, model {d['model_version']})")
        for reason in d["result"].get("reasons", []):
            print("  -", reason)
        print(json.dumps(api.score(person), indent=2))
    except SesameError as e:
        print(e, file=sys.stderr)
        for d in e.details:
            print(f"  {d['field']}: {d['reason']}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
