#!/usr/bin/python3
"""Issue 15's answers through a real vmforged (fake driver), by raw HTTP
and the openstack CLI: deleted servers kept for admins (and across a
restart), os-simple-tenant-usage, os-instance-actions of a deleted server,
quota classes of their own, os-server-external-events, /extensions and
the removed APIs' 410."""
import datetime
import json
import subprocess
import sys
import tempfile
import shutil
import time

from daemon import (ADMIN, IMAGE, Daemon, call, create_server, openstack_cli,
                    wait_status)

USER = "user-a:project-a"


def max_version(d):
    """The daemon's highest microversion, as (major, minor)."""
    code, _, body = call(d.url + "/v2.1", token=None)
    major, minor = body["version"]["version"].split(".")
    return int(major), int(minor)






def wait_gone(v1, sid):
    deadline = time.time() + 20
    while call(v1 + "/servers/" + sid)[0] != 404:
        assert time.time() < deadline, "delete did not finish"
        time.sleep(0.05)




def check_deleted_servers(d, v1, kept, gone):
    # Nobody sees a deleted server by id; admins list it with deleted=True.
    assert call(v1 + "/servers/" + gone, token=ADMIN)[0] == 404
    code, _, body = call(v1 + "/servers/detail?deleted=True", token=ADMIN)
    assert code == 200, body
    rows = {s["id"]: s for s in body["servers"]}
    assert gone in rows and kept not in rows, rows.keys()
    assert rows[gone]["status"] == "DELETED"
    assert rows[gone]["OS-EXT-STS:vm_state"] == "deleted"
    assert rows[gone]["OS-SRV-USG:terminated_at"] is not None
    # A user's deleted filter is dropped (Nova's), status=DELETED is 403.
    code, _, body = call(v1 + "/servers?deleted=True")
    assert code == 200 and [s["id"] for s in body["servers"]] == [kept], body
    assert call(v1 + "/servers?status=DELETED")[0] == 403
    assert call(v1 + "/servers?status=DELETED", token=ADMIN)[0] == 200
    # changes-since finds deletions too.
    code, _, body = call(v1 + "/servers?changes-since=2000-01-01T00:00:00Z")
    assert {s["id"] for s in body["servers"]} == {kept, gone}, body
    # The live list and the quota do not count it.
    code, _, body = call(v1 + "/servers")
    assert [s["id"] for s in body["servers"]] == [kept], body
    code, _, body = call(v1 + "/limits")
    assert body["limits"]["absolute"]["totalInstancesUsed"] == 1, body
    # 2.21: the actions of a deleted instance, not before.
    code, _, body = call(v1 + "/servers/%s/os-instance-actions" % gone,
                         headers={"OpenStack-API-Version": "compute 2.21"})
    assert code == 200, body
    assert {a["action"] for a in body["instanceActions"]} == \
        {"create", "delete"}, body
    assert call(v1 + "/servers/%s/os-instance-actions" % gone)[0] == 404
    # The CLI: server list --deleted, server event list of the deleted one.
    listed = json.loads(openstack_cli(d, "server", "list", "--deleted", "-f", "json"))
    assert [s["ID"] for s in listed] == [gone], listed
    events = json.loads(openstack_cli(d, "--os-compute-api-version", "2.21", "server",
                            "event", "list", gone, "-f", "json"))
    assert {e["Action"] for e in events} == {"create", "delete"}, events


def check_usage(d, v1, kept, gone):
    start = "2000-01-01T00:00:00"
    end = (datetime.datetime.utcnow()
           + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    q = "?start=%s&end=%s&detailed=1" % (start, end)
    code, _, body = call(v1 + "/os-simple-tenant-usage" + q, token=ADMIN)
    assert code == 200, body
    usages = body["tenant_usages"]
    assert [u["tenant_id"] for u in usages] == ["project-a"], usages
    servers = {s["instance_id"]: s for s in usages[0]["server_usages"]}
    assert set(servers) == {kept, gone}, servers
    assert servers[gone]["state"] == "terminated"
    assert servers[gone]["ended_at"] is not None
    assert servers[kept]["state"] == "active"
    assert servers[kept]["ended_at"] is None
    assert servers[kept]["vcpus"] == 1 and servers[kept]["memory_mb"] == 512
    assert servers[kept]["flavor"] == "m1.tiny"
    assert servers[kept]["hours"] > 0
    assert usages[0]["total_hours"] > 0
    # Not detailed: no server_usages. A user may not list all tenants,
    # may show its own, not another's.
    code, _, body = call(v1 + "/os-simple-tenant-usage?start=" + start,
                         token=ADMIN)
    assert "server_usages" not in body["tenant_usages"][0], body
    assert call(v1 + "/os-simple-tenant-usage")[0] == 403
    code, _, body = call(v1 + "/os-simple-tenant-usage/project-a" + q)
    assert code == 200 and body["tenant_usage"]["tenant_id"] == "project-a"
    assert call(v1 + "/os-simple-tenant-usage/project-b")[0] == 403
    code, _, body = call(v1 + "/os-simple-tenant-usage/project-b" + q,
                         token=ADMIN)
    assert code == 200 and body["tenant_usage"] == {}, body
    assert call(v1 + "/os-simple-tenant-usage?start=junk", token=ADMIN)[0] \
        == 400
    assert call(v1 + "/os-simple-tenant-usage?start=%s&end=%s"
                % (end, start), token=ADMIN)[0] == 400
    # The CLI.
    listed = json.loads(openstack_cli(d, "usage", "list", "--start", "2000-01-01",
                            "-f", "json"))
    assert [u["Project"] for u in listed] == ["project-a"], listed
    # -f json shows the server usages themselves.
    assert len(listed[0]["Servers"]) == 2, listed
    # usage show: the CLI finds the project through Keystone (or its
    # token's scope, which an admin_token has not); novaclient's usage.get.
    from keystoneauth1 import session
    from keystoneauth1.token_endpoint import Token
    from novaclient import client
    nova = client.Client("2.1", session=session.Session(auth=Token(v1, USER)))
    shown = nova.usage.get("project-a", datetime.datetime(2000, 1, 1),
                           datetime.datetime.utcnow())
    assert len(shown.server_usages) == 2, shown.to_dict()
    assert shown.total_hours > 0
    # 2.40: pages of instances, the next linked.
    if max_version(d) < (2, 40):
        return
    v240 = {"OpenStack-API-Version": "compute 2.40"}
    code, _, body = call(v1 + "/os-simple-tenant-usage" + q + "&limit=1",
                         token=ADMIN, headers=v240)
    assert code == 200, body
    assert len(body["tenant_usages"][0]["server_usages"]) == 1
    link = body["tenant_usages_links"][0]
    assert link["rel"] == "next" and "marker=" in link["href"], link
    code, _, body = call(link["href"], token=ADMIN, headers=v240)
    assert code == 200 and len(body["tenant_usages"][0]["server_usages"]) == 1
    assert call(v1 + "/os-simple-tenant-usage" + q + "&marker=nope",
                token=ADMIN, headers=v240)[0] == 400


def check_quota_classes(v1):
    code, _, body = call(v1 + "/os-quota-class-sets/gold", "PUT",
                         {"quota_class_set": {"cores": 99}}, token=ADMIN)
    assert code == 200 and body["quota_class_set"]["cores"] == 99, body
    code, _, body = call(v1 + "/os-quota-class-sets/gold", token=ADMIN)
    assert body["quota_class_set"]["cores"] == 99
    assert body["quota_class_set"]["id"] == "gold"
    code, _, body = call(v1 + "/os-quota-class-sets/default", token=ADMIN)
    assert body["quota_class_set"]["cores"] == 20, body
    code, _, body = call(v1 + "/os-quota-sets/project-a", token=ADMIN)
    assert body["quota_set"]["cores"] == 20, body
    code, _, body = call(v1 + "/os-quota-class-sets/silver", token=ADMIN)
    assert body["quota_class_set"]["id"] == "silver"
    assert body["quota_class_set"]["cores"] == 20, body


def check_external_events(d, v1, kept):
    url = v1 + "/os-server-external-events"
    missing = "11111111-2222-3333-4444-555555555555"
    code, _, body = call(url, "POST", {"events": [
        {"name": "network-changed", "server_uuid": kept}]}, token=ADMIN)
    assert code == 200, body
    assert body["events"][0]["code"] == 200
    assert body["events"][0]["status"] == "completed"
    code, _, body = call(url, "POST", {"events": [
        {"name": "network-vif-plugged", "server_uuid": kept, "tag": "p1"},
        {"name": "network-vif-plugged", "server_uuid": missing}]},
        token=ADMIN)
    assert code == 207, body
    assert [e["code"] for e in body["events"]] == [200, 404], body
    assert body["events"][0]["tag"] == "p1"
    assert body["events"][1]["status"] == "failed"
    assert call(url, "POST", {"events": [{"name": "network-changed",
                                          "server_uuid": kept}]})[0] == 403
    assert call(url, "POST", {"events": []}, token=ADMIN)[0] == 400
    # power-update is 2.76's; it syncs the row as Ironic reports it.
    if max_version(d) < (2, 76):
        return
    power = {"events": [{"name": "power-update", "server_uuid": kept,
                         "tag": "POWER_OFF"}]}
    assert call(url, "POST", power, token=ADMIN)[0] == 400
    code, _, body = call(url, "POST", power, token=ADMIN,
                         headers={"OpenStack-API-Version": "compute 2.76"})
    assert code == 200, body
    wait_status(v1, kept, "SHUTOFF")
    code, _, body = call(v1 + "/servers/%s/os-instance-actions" % kept)
    assert "stop" in [a["action"] for a in body["instanceActions"]], body


def check_server_security_groups(d, v1, kept):
    code, _, body = call(v1 + "/os-security-groups", "POST",
                         {"security_group": {"name": "web",
                                             "description": "w"}})
    assert code == 200, body
    web_id = body["security_group"]["id"]
    action = v1 + "/servers/%s/action" % kept
    assert call(action, "POST", {"addSecurityGroup": {"name": "web"}})[0] \
        == 202
    code, _, body = call(v1 + "/servers/%s/os-security-groups" % kept)
    assert code == 200, body
    assert [g["name"] for g in body["security_groups"]] == \
        ["default", "web"], body
    code, _, body = call(v1 + "/servers/" + kept)
    assert {"name": "web"} in body["server"]["security_groups"], body
    # Nova's answers: an unknown group, one not associated, bad bodies.
    code, _, body = call(action, "POST", {"addSecurityGroup": {"name": "no"}})
    assert code == 404, body
    assert body["itemNotFound"]["message"] == \
        "Security group no is not found for project project-a", body
    assert call(action, "POST", {"addSecurityGroup": {}})[0] == 400
    assert call(action, "POST", {"addSecurityGroup": {"name": " "}})[0] \
        == 400
    # Removed by id too, then not associated any more.
    assert call(action, "POST",
                {"removeSecurityGroup": {"name": str(web_id)}})[0] == 202
    code, _, body = call(action, "POST",
                         {"removeSecurityGroup": {"name": "web"}})
    assert code == 404, body
    assert "not associated with the instance" in \
        body["itemNotFound"]["message"], body
    # The CLI.
    openstack_cli(d, "server", "add", "security", "group", kept, "web", token=USER)
    code, _, body = call(v1 + "/servers/%s/os-security-groups" % kept)
    assert "web" in [g["name"] for g in body["security_groups"]], body
    openstack_cli(d, "server", "remove", "security", "group", kept, "web", token=USER)


def check_rescue(d, v1, kept):
    action = v1 + "/servers/%s/action" % kept
    code, _, body = call(action, "POST", {"rescue": {"adminPass": "s3cret"}})
    assert code == 200 and body == {"adminPass": "s3cret"}, body
    server = wait_status(v1, kept, "RESCUE")
    assert server["OS-EXT-STS:vm_state"] == "rescued", server
    # Nova's states: no second rescue, no stop of a rescued server.
    assert call(action, "POST", {"rescue": None})[0] == 409
    assert call(action, "POST", {"os-stop": None})[0] == 409
    assert call(action, "POST", {"unrescue": None})[0] == 202
    wait_status(v1, kept, "ACTIVE")
    assert call(action, "POST", {"unrescue": None})[0] == 409
    assert call(action, "POST", {"rescue": {"rescue_image_ref": "x"}})[0] \
        == 400
    code, _, body = call(action, "POST", {"rescue": None})
    assert code == 200 and len(body["adminPass"]) == 12, body
    wait_status(v1, kept, "RESCUE")
    code, _, body = call(v1 + "/servers/%s/os-instance-actions" % kept)
    names = [a["action"] for a in body["instanceActions"]]
    assert "rescue" in names and "unrescue" in names, names
    # The CLI.
    openstack_cli(d, "server", "unrescue", kept, token=USER)
    wait_status(v1, kept, "ACTIVE")
    openstack_cli(d, "server", "rescue", kept, token=USER)
    wait_status(v1, kept, "RESCUE")
    openstack_cli(d, "server", "unrescue", kept, token=USER)
    wait_status(v1, kept, "ACTIVE")


def check_keypairs(d, v1):
    url = v1 + "/os-keypairs"
    v210 = {"OpenStack-API-Version": "compute 2.10"}
    # 2.10: an admin creates, lists, shows and deletes another user's.
    code, _, body = call(url, "POST", {"keypair": {"name": "theirs",
                                                   "user_id": "user-b"}},
                         token=ADMIN, headers=v210)
    assert code == 201 and body["keypair"]["user_id"] == "user-b", body
    assert "private_key" in body["keypair"]
    code, _, body = call(url + "?user_id=user-b", token=ADMIN, headers=v210)
    assert [k["keypair"]["name"] for k in body["keypairs"]] == ["theirs"]
    code, _, body = call(url, token=ADMIN, headers=v210)
    assert body["keypairs"] == [], body
    code, _, body = call(url + "/theirs?user_id=user-b", token=ADMIN,
                         headers=v210)
    assert code == 200 and body["keypair"]["user_id"] == "user-b", body
    # A member may not name another user; before 2.10 user_id is unknown.
    code, _, body = call(url, "POST", {"keypair": {"name": "x",
                                                   "user_id": "user-b"}},
                         headers=v210)
    assert code == 403, body
    assert call(url + "?user_id=user-b", headers=v210)[0] == 403
    assert call(url, "POST", {"keypair": {"name": "x", "user_id": "user-b"}},
                token=ADMIN)[0] == 400
    assert call(url + "/theirs?user_id=user-b", "DELETE", token=ADMIN,
                headers=v210)[0] == 204
    # 2.2's x509: generated (a certificate as the public key) and imported.
    v22 = {"OpenStack-API-Version": "compute 2.2"}
    code, _, body = call(url, "POST", {"keypair": {"name": "win",
                                                   "type": "x509"}},
                         headers=v22)
    assert code == 201, body
    kp = body["keypair"]
    assert kp["type"] == "x509"
    assert kp["public_key"].startswith("-----BEGIN CERTIFICATE-----")
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(kp["public_key"])
        f.flush()
        out = subprocess.run(["openssl", "x509", "-in", f.name, "-noout",
                              "-fingerprint", "-sha1"], capture_output=True,
                             text=True, check=True).stdout
    assert kp["fingerprint"] == out.strip().split("=")[1].lower(), (kp, out)
    code, _, body = call(url, "POST", {"keypair": {
        "name": "win2", "type": "x509", "public_key": kp["public_key"]}},
        headers=v22)
    assert code == 201 and body["keypair"]["fingerprint"] == kp["fingerprint"]
    assert call(url, "POST", {"keypair": {"name": "bad", "type": "x509",
                                          "public_key": "junk"}},
                headers=v22)[0] == 400
    # 2.92: no generation.
    if max_version(d) >= (2, 92):
        code, _, body = call(url, "POST", {"keypair": {"name": "gen"}},
                             headers={"OpenStack-API-Version":
                                      "compute 2.92"})
        assert code == 400 and "public_key" in body["badRequest"]["message"]
    # novaclient's user_id (the CLI's --user needs Keystone to find the
    # user by name).
    from keystoneauth1 import session
    from keystoneauth1.token_endpoint import Token
    from novaclient import client
    nova = client.Client("2.10", session=session.Session(
        auth=Token(v1, ADMIN)))
    nova.keypairs.create("by-novaclient", user_id="user-c")
    assert [k.name for k in nova.keypairs.list(user_id="user-c")] == \
        ["by-novaclient"]


def check_hosts(v1, kept):
    code, _, body = call(v1 + "/os-hosts", token=ADMIN)
    assert code == 200, body
    computes = [h for h in body["hosts"] if h["service"] == "compute"]
    assert computes and all(h["zone"] == "nova" for h in computes), body
    assert {"host_name": "vmforge", "service": "scheduler",
            "zone": "internal"} in body["hosts"], body
    code, _, body = call(v1 + "/os-hosts?zone=internal", token=ADMIN)
    assert {h["service"] for h in body["hosts"]} == \
        {"scheduler", "conductor"}, body
    code, _, body = call(v1 + "/servers/" + kept, token=ADMIN)
    host = body["server"]["OS-EXT-SRV-ATTR:host"]
    code, _, body = call(v1 + "/os-hosts/" + host, token=ADMIN)
    assert code == 200, body
    rows = {r["resource"]["project"]: r["resource"] for r in body["host"]}
    assert rows["(used_max)"]["cpu"] >= 1, rows
    assert rows["project-a"]["memory_mb"] >= 512, rows
    assert rows["(total)"]["cpu"] >= rows["(used_max)"]["cpu"], rows
    assert call(v1 + "/os-hosts/nowhere", token=ADMIN)[0] == 404
    assert call(v1 + "/os-hosts")[0] == 403
    # Nova's libvirt driver implements none of these: 501.
    code, _, body = call(v1 + "/os-hosts/" + host, "PUT",
                         {"status": "disable"}, token=ADMIN)
    assert code == 501, body
    assert call(v1 + "/os-hosts/" + host, "PUT", {"status": "off"},
                token=ADMIN)[0] == 400
    assert call(v1 + "/os-hosts/%s/reboot" % host, token=ADMIN)[0] == 501
    # Gone at 2.43 (when the daemon serves it).
    code, _, _ = call(v1 + "/os-hosts", token=ADMIN,
                      headers={"OpenStack-API-Version": "compute 2.43"})
    assert code in (404, 406), code


def check_image_metadata(v1):
    url = v1 + "/images/%s/metadata" % IMAGE
    code, _, body = call(url)
    assert code == 200 and isinstance(body["metadata"], dict), body
    assert call(url + "/no-such-key")[0] == 404
    assert call(v1 + "/images/%s/metadata" % ("0" * 32))[0] == 404
    # The image services here change no properties: Nova's 403.
    code, _, body = call(url, "POST", {"metadata": {"k": "v"}})
    assert code == 403, body
    assert call(url + "/k", "PUT", {"meta": {"other": "v"}})[0] == 400
    assert call(url + "/k", "DELETE")[0] == 404


def check_extensions_and_removed(v1):
    code, _, body = call(v1 + "/extensions")
    assert code == 200 and len(body["extensions"]) > 50, body
    aliases = {e["alias"] for e in body["extensions"]}
    assert "os-simple-tenant-usage" in aliases
    code, _, body = call(v1 + "/extensions/os-simple-tenant-usage")
    assert code == 200 and body["extension"]["name"] == "SimpleTenantUsage"
    assert call(v1 + "/extensions/no-such")[0] == 404
    for path, method in [("/os-agents", "GET"), ("/os-cells/detail", "GET"),
                         ("/os-fping", "GET"), ("/os-certificates", "POST"),
                         ("/os-security-group-default-rules/1", "DELETE"),
                         ("/os-floating-ip-dns/d/entries/e", "GET")]:
        code, _, body = call(v1 + path, method, token=ADMIN)
        assert code == 410, (path, code, body)
    assert call(v1 + "/os-fping", "POST", {}, token=ADMIN)[0] == 405
    # No instance usage audit runs here: every host is one not run.
    code, _, body = call(v1 + "/os-instance_usage_audit_log", token=ADMIN)
    assert code == 200, body
    log = body["instance_usage_audit_logs"]
    assert log["num_hosts"] >= 1 and log["num_hosts_done"] == 0, log
    assert sorted(log["hosts_not_run"]) == log["hosts_not_run"], log
    assert log["num_hosts_not_run"] == log["num_hosts"], log
    code, _, body = call(v1 + "/os-instance_usage_audit_log/"
                         "2020-03-15%2010:00:00", token=ADMIN)
    assert code == 200, body
    log = body["instance_usage_audit_log"]
    assert log["period_beginning"] == "2020-02-01 00:00:00", log
    assert log["period_ending"] == "2020-03-01 00:00:00", log
    assert call(v1 + "/os-instance_usage_audit_log/junk",
                token=ADMIN)[0] == 400
    assert call(v1 + "/os-instance_usage_audit_log")[0] == 403


def main(binary):
    workdir = tempfile.mkdtemp(prefix="vmforged-extras-")
    try:
        with Daemon(binary, workdir=workdir) as d:
            v1 = d.url + "/v2.1"
            kept = create_server(v1, "kept")
            gone = create_server(v1, "gone")
            wait_status(v1, kept, "ACTIVE")
            wait_status(v1, gone, "ACTIVE")
            assert call(v1 + "/servers/" + gone, "DELETE")[0] == 204
            wait_gone(v1, gone)
            check_deleted_servers(d, v1, kept, gone)
            check_usage(d, v1, kept, gone)
            check_quota_classes(v1)
            check_server_security_groups(d, v1, kept)
            check_rescue(d, v1, kept)
            check_keypairs(d, v1)
            check_hosts(v1, kept)
            check_image_metadata(v1)
            check_extensions_and_removed(v1)
        # What survives a restart: the deleted row, the classes.
        with Daemon(binary, workdir=workdir) as d:
            v1 = d.url + "/v2.1"
            check_deleted_servers(d, v1, kept, gone)
            code, _, body = call(v1 + "/os-quota-class-sets/gold",
                                 token=ADMIN)
            assert body["quota_class_set"]["cores"] == 99, body
            check_external_events(d, v1, kept)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
