#!/usr/bin/python3
"""Issue 15's server actions and views that Tempest found wrong, through a
real vmforged (fake driver, embedded image catalog): os-resetState,
PUT OS-DCF:diskConfig, createBackup and its rotation, os-server-password,
the admins' tenant_id and host list filters, the security group proxy's
update, peer-group rules and their edge cases; what an operator expects to
survive a restart, after one."""
import json
import shutil
import sys
import tempfile
import time

from daemon import (ADMIN, Daemon, call, create_server, openstack_cli,
                    wait_status)

USER = "user-a:project-a"
OTHER = "user-b:project-b"




def server(v1, sid, token=ADMIN):
    code, _, body = call(v1 + "/servers/" + sid, token=token)
    assert code == 200, body
    return body["server"]






def action(v1, sid, body, token=USER, version=None):
    headers = {"OpenStack-API-Version": "compute " + version} \
        if version else None
    return call(v1 + "/servers/%s/action" % sid, "POST", body, token=token,
                headers=headers)


def check_reset_state(v1, sid):
    reset = {"os-resetState": {"state": "error"}}
    code, _, body = action(v1, sid, reset)
    assert code == 403, body
    assert body["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-admin-actions:reset_state "
        "to be performed."), body
    for bad in ({"state": "stopped"}, {}, {"state": "error", "x": 1}, "error"):
        code, _, body = action(v1, sid, {"os-resetState": bad}, token=ADMIN)
        assert code == 400, (bad, body)
    code, _, body = action(v1, sid, {"os-resetState": {"state": "stopped"}},
                           token=ADMIN)
    assert body["badRequest"]["message"] == (
        "Invalid input for field/attribute state. Value: stopped. 'stopped' "
        "is not one of ['active', 'error']"), body
    assert action(v1, "0" * 32, reset, token=ADMIN)[0] == 404
    code, _, body = action(v1, sid, reset, token=ADMIN)
    assert code == 202 and body is None, body
    s = server(v1, sid)
    assert s["status"] == "ERROR" and s["OS-EXT-STS:vm_state"] == "error", s
    assert s["OS-EXT-STS:task_state"] is None
    code, _, body = call(v1 + "/servers/%s/os-instance-actions" % sid,
                         token=ADMIN)
    assert "resetState" in [a["action"] for a in body["instanceActions"]]
    # The error filter finds it (Tempest's test_list_servers_filter_by_error_status).
    code, _, body = call(v1 + "/servers?status=error", token=USER)
    assert sid in [x["id"] for x in body["servers"]], body
    assert action(v1, sid, {"os-resetState": {"state": "active"}},
                  token=ADMIN)[0] == 202
    assert server(v1, sid)["status"] == "ACTIVE"


def check_disk_config(d, v1, sid):
    url = v1 + "/servers/" + sid
    code, _, body = call(url, "PUT", {"server": {"OS-DCF:diskConfig": "AUTO"}})
    assert code == 200 and body["server"]["OS-DCF:diskConfig"] == "AUTO", body
    assert server(v1, sid)["OS-DCF:diskConfig"] == "AUTO"
    shown = json.loads(openstack_cli(d, "server", "show", "-f", "json", sid))
    assert shown["OS-DCF:diskConfig"] == "AUTO", shown
    code, _, body = call(url, "PUT", {"server": {"OS-DCF:diskConfig": "x"}})
    assert code == 400, body


def check_password(v1, sid):
    url = v1 + "/servers/%s/os-server-password" % sid
    code, _, body = call(url)
    assert code == 200 and body == {"password": ""}, body
    code, _, body = call(url, "DELETE")
    assert code == 204 and body is None, body
    assert call(url, token=OTHER)[0] == 404
    assert call(url, "POST", {})[0] == 405
    assert call(v1 + "/servers/%s/os-server-password" % ("0" * 32))[0] == 404


def image_code(v1, image_id):
    return call(v1 + "/images/" + image_id)[0]


def wait_image_active(v1, image_id):
    deadline = time.time() + 20
    while time.time() < deadline:
        code, _, body = call(v1 + "/images/" + image_id)
        if code == 200 and body["image"]["status"] == "ACTIVE":
            return body["image"]
        time.sleep(0.05)
    raise AssertionError("backup %s never became active" % image_id)


def wait_image_gone(v1, image_id):
    deadline = time.time() + 20
    while image_code(v1, image_id) != 404:
        assert time.time() < deadline, "backup %s was not rotated" % image_id
        time.sleep(0.05)


def backup(v1, sid, name, rotation, version="2.45"):
    # Images' created_at has whole seconds: backups of one second would
    # tie in the rotation's order (as in Glance).
    time.sleep(1.1)
    code, hdrs, body = action(v1, sid, {"createBackup": {
        "name": name, "backup_type": "daily", "rotation": rotation}},
        version=version)
    assert code == 202, body
    return code, hdrs, body


def check_backups(v1, sid):
    for bad in ({"name": "b", "backup_type": "daily"},
                {"name": "b", "backup_type": "daily", "rotation": -1},
                {"name": "b", "backup_type": 1, "rotation": 1},
                {"name": "b", "backup_type": "daily", "rotation": "x"}):
        code, _, body = action(v1, sid, {"createBackup": bad})
        assert code == 400, (bad, body)
    # Before 2.45 a Location under the compute API (with a rotation), no
    # body.
    _, hdrs, body = backup(v1, sid, "b1", 2, version="2.44")
    assert body is None
    b1 = hdrs["Location"].rsplit("/", 1)[1]
    assert hdrs["Location"].endswith("/v2.1/images/" + b1), hdrs["Location"]
    img = wait_image_active(v1, b1)
    meta = img["metadata"]
    assert meta["image_type"] == "backup", meta
    assert meta["backup_type"] == "daily", meta
    assert meta["instance_uuid"] == sid, meta
    wait_status(v1, sid, "ACTIVE")
    b2 = backup(v1, sid, "b2", 2)[2]["image_id"]
    wait_image_active(v1, b2)
    wait_status(v1, sid, "ACTIVE")
    # The third with rotation 2: the oldest goes.
    b3 = backup(v1, sid, "b3", 2)[2]["image_id"]
    wait_image_active(v1, b3)
    wait_image_gone(v1, b1)
    assert image_code(v1, b2) == 200 and image_code(v1, b3) == 200
    wait_status(v1, sid, "ACTIVE")
    code, _, body = call(v1 + "/servers/%s/os-instance-actions" % sid)
    assert "createBackup" in [a["action"] for a in body["instanceActions"]]
    # Rotation 0: every daily backup, the new one too.
    b4 = backup(v1, sid, "b4", 0)[2]["image_id"]
    for gone in (b2, b3, b4):
        wait_image_gone(v1, gone)
    wait_status(v1, sid, "ACTIVE")


def check_list_filters(d, v1, mine, theirs):
    code, _, body = call(v1 + "/servers/detail?all_tenants=1&tenant_id="
                         "project-b", token=ADMIN)
    ids = [s["id"] for s in body["servers"]]
    assert code == 200 and ids == [theirs], body
    # Without all_tenants the admin's own project, whatever tenant_id says.
    code, _, body = call(v1 + "/servers?tenant_id=project-b", token=ADMIN)
    ids = [s["id"] for s in body["servers"]]
    assert mine in ids and theirs not in ids, body
    host = server(v1, mine)["OS-EXT-SRV-ATTR:host"]
    code, _, body = call(v1 + "/servers/detail?all_tenants=1&host=" + host,
                         token=ADMIN)
    assert mine in [s["id"] for s in body["servers"]], body
    assert {s["OS-EXT-SRV-ATTR:host"] for s in body["servers"]} == {host}
    code, _, body = call(v1 + "/servers?all_tenants=1&host=nowhere",
                         token=ADMIN)
    assert body["servers"] == [], body
    listed = json.loads(openstack_cli(d, "server", "list", "--all-projects", "--host",
                            host, "-f", "json"))
    assert mine in [s["ID"] for s in listed], listed
    assert json.loads(openstack_cli(d, "server", "list", "--all-projects", "--host",
                          "nowhere", "-f", "json")) == []
    # A member's host filter is dropped (Nova's admin-only filters).
    code, _, body = call(v1 + "/servers?host=nowhere")
    assert mine in [s["id"] for s in body["servers"]], body


def check_security_groups(v1):
    groups = v1 + "/os-security-groups"
    rules = v1 + "/os-security-group-rules"

    def make(name, token=USER):
        code, _, body = call(groups, "POST", {"security_group": {
            "name": name, "description": "d"}}, token=token)
        assert code == 200, body
        return body["security_group"]

    for name in ("", " ", "x" * 256):
        code, _, body = call(groups, "POST", {"security_group": {
            "name": name, "description": "d"}})
        assert code == 400, (name, body)
    web = make("web")
    db = make("db")
    url = groups + "/%d" % web["id"]
    code, _, body = call(url, "PUT", {"security_group": {
        "name": "www", "description": "new"}})
    assert code == 200, body
    assert body["security_group"]["name"] == "www", body
    assert body["security_group"]["description"] == "new", body
    for bad in ({"name": "x" * 256, "description": "d"},
                {"name": "n", "description": "x" * 256},
                {"name": "only"}):
        assert call(url, "PUT", {"security_group": bad})[0] == 400, bad
    good = {"security_group": {"name": "n", "description": "d"}}
    assert call(groups + "/999999", "PUT", good)[0] == 404
    assert call(groups + "/not-an-id", "PUT", good)[0] == 400
    assert call(groups + "/", "DELETE")[0] == 404
    # A rule naming a group: no ip_range, the group's name and project.
    code, _, body = call(rules, "POST", {"security_group_rule": {
        "parent_group_id": db["id"], "ip_protocol": "tcp", "from_port": 22,
        "to_port": 22, "group_id": web["id"]}})
    assert code == 200, body
    rule = body["security_group_rule"]
    assert rule["ip_range"] == {}, rule
    assert rule["group"] == {"name": "www", "tenant_id": "project-a"}, rule
    cidr_rule = {"security_group_rule": {
        "parent_group_id": db["id"], "ip_protocol": "tcp", "from_port": 80,
        "to_port": 80, "cidr": "10.0.0.0/8"}}
    assert call(rules, "POST", cidr_rule)[0] == 200
    code, _, body = call(rules, "POST", cidr_rule)
    assert code == 400, body
    assert body["badRequest"]["message"] == (
        "This rule already exists in group %d" % db["id"]), body
    code, _, body = call(rules, "POST", {"security_group_rule": {
        "parent_group_id": db["id"], "ip_protocol": "tcp", "from_port": 22,
        "to_port": 21}})
    assert code == 400, body
    # An admin's all_tenants lists every project's groups.
    theirs = make("theirs", token=OTHER)
    code, _, body = call(groups + "?all_tenants=true", token=ADMIN)
    ids = [g["id"] for g in body["security_groups"]]
    assert theirs["id"] in ids and web["id"] in ids, body
    code, _, body = call(groups + "?all_tenants=true")
    assert theirs["id"] not in [g["id"] for g in body["security_groups"]]
    return web, db


def check_groups_kept(v1, web, db):
    groups = v1 + "/os-security-groups"
    code, _, body = call(groups + "/%d" % db["id"])
    assert code == 200, body
    by_group = [r for r in body["security_group"]["rules"] if r["group"]]
    assert by_group and by_group[0]["group"]["name"] == "www", body
    # Deleting the peer deletes the rules that name it.
    assert call(groups + "/%d" % web["id"], "DELETE")[0] == 202
    code, _, body = call(groups + "/%d" % db["id"])
    assert [r for r in body["security_group"]["rules"] if r["group"]] == [], \
        body


def main(binary):
    workdir = tempfile.mkdtemp(prefix="vmforged-admin-")
    try:
        with Daemon(binary, workdir=workdir) as d:
            v1 = d.url + "/v2.1"
            mine = create_server(v1, "mine")
            theirs = create_server(v1, "theirs", token=OTHER)
            wait_status(v1, mine, "ACTIVE")
            wait_status(v1, theirs, "ACTIVE", token=OTHER)
            check_reset_state(v1, mine)
            check_disk_config(d, v1, mine)
            check_password(v1, mine)
            check_list_filters(d, v1, mine, theirs)
            check_backups(v1, mine)
            web, db = check_security_groups(v1)
            assert action(v1, theirs, {"os-resetState": {"state": "error"}},
                          token=ADMIN)[0] == 202
        with Daemon(binary, workdir=workdir) as d:
            v1 = d.url + "/v2.1"
            assert server(v1, mine)["OS-DCF:diskConfig"] == "AUTO"
            assert server(v1, theirs)["status"] == "ERROR"
            check_groups_kept(v1, web, db)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("server admin: ok")


if __name__ == "__main__":
    main(sys.argv[1])
