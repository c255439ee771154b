"""A second opinion on Broadsheet's DKIM signatures: dkimpy verifies every signature of
each message, its DNS lookups answered from the records the test made.

    /usr/bin/python3 verify_dkim.py CASE.json

CASE.json: {"records": {"SELECTOR._domainkey.DOMAIN": "v=DKIM1; k=...; p=..."},
            "messages": ["/path/a.eml", ...]}
Prints one line per message, in order: for each DKIM-Signature field, top to bottom,
"pass" or "fail" (why goes to stderr), separated by spaces; "none" when it has none.
Exits 0 whatever the verdicts; non-zero only when it cannot run.
"""

import json
import sys

import dkim


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        case = json.load(f)
    records = {name.lower().rstrip("."): value for name, value in case["records"].items()}

    def dnsfunc(name, timeout=5):
        key = name.decode("ascii").lower().rstrip(".")
        value = records.get(key)
        return value.encode("ascii") if value is not None else None

    for path in case["messages"]:
        with open(path, "rb") as f:
            message = f.read()
        verifier = dkim.DKIM(message, minkey=1024)
        count = sum(1 for k, _ in verifier.headers if k.lower() == b"dkim-signature")
        verdicts = []
        for idx in range(count):
            try:
                ok = bool(verifier.verify(idx=idx, dnsfunc=dnsfunc))
            except dkim.DKIMException as e:
                print(f"{path} #{idx}: {e}", file=sys.stderr)
                ok = False
            verdicts.append("pass" if ok else "fail")
        print(" ".join(verdicts) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
