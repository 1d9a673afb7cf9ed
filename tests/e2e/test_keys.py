"""``mahnwerk keys``: pointed at the embedded stack's table (moto) instead of the deployed one."""

import re

from mahnwerk_local.cli import main

KEY = re.compile(r"mwk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")


def keys(capsys, stack, *args: str, table: bool = True) -> tuple[int, str, str]:
    where = ["--table", stack.physical["Table"], "--region", stack.region] if table else []
    capsys.readouterr()  # the functions' JSON log lines of earlier API calls
    code = main(["keys", *args, *where])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_revoke_against_the_table(stack, capsys):
    code, out, _ = keys(capsys, stack, "create", "--tenant", "acme", "--label", "ERP sync")
    assert code == 0
    match = KEY.search(out)
    assert match and "shown only this once" in out
    key, key_id = match.group(0), match.group(1)
    assert stack.api("GET", "/v1/invoices", key=key).status == 200

    code, out, _ = keys(capsys, stack, "list", "--tenant", "acme")
    assert code == 0
    [line] = out.splitlines()
    assert line.startswith(key_id) and "active" in line and line.endswith("ERP sync")
    assert "mwk_" not in out  # a key is shown at creation only

    code, out, _ = keys(capsys, stack, "revoke", "--tenant", "acme", "--key-id", key_id)
    assert code == 0 and "revoked" in out
    assert stack.api("GET", "/v1/invoices", key=key).status == 403
    code, out, _ = keys(capsys, stack, "list", "--tenant", "acme")
    assert "revoked 20" in out


def test_another_tenants_key_cannot_be_revoked(stack, capsys):
    _, out, _ = keys(capsys, stack, "create", "--tenant", "acme")
    key_id = KEY.search(out).group(1)
    code, _, err = keys(capsys, stack, "revoke", "--tenant", "other", "--key-id", key_id)
    assert code == 1 and "has no key" in err
    assert stack.api("GET", "/v1/health", key=KEY.search(out).group(0)).status == 200


def test_table_from_the_environment(stack, capsys, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", stack.physical["Table"])
    monkeypatch.setenv("AWS_REGION", stack.region)
    code, out, _ = keys(capsys, stack, "create", "--tenant", "acme", table=False)
    assert code == 0 and KEY.search(out)


def test_usage_errors(stack, capsys, monkeypatch):
    monkeypatch.delenv("TABLE_NAME", raising=False)
    code, _, err = keys(capsys, stack, "list", "--tenant", "acme", table=False)
    assert code == 2 and "--table" in err
    code, _, err = keys(capsys, stack, "revoke", "--tenant", "acme")
    assert code == 2 and "--key-id" in err
    code, _, err = keys(capsys, stack, "create", "--tenant", "Not A Tenant!")
    assert code == 2 and err.startswith("mahnwerk: ")
