#!/usr/bin/python3
"""python-novaclient through a keystoneauth1 session with a noauth2 token:
create, wait for ACTIVE, list, show, stop, start, delete."""
import sys
import time

from keystoneauth1 import session
from keystoneauth1.token_endpoint import Token
from novaclient import client

from daemon import Daemon

IMAGE = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"


def wait_for(nova, sid, status):
    deadline = time.time() + 20
    while time.time() < deadline:
        server = nova.servers.get(sid)
        if server.status == status and \
                getattr(server, "OS-EXT-STS:task_state") is None:
            return server
        time.sleep(0.05)
    raise AssertionError("%s never reached %s" % (sid, status))


def main(binary):
    with Daemon(binary) as d:
        sess = session.Session(auth=Token(d.url + "/v2.1", "demo:demo"))
        nova = client.Client("2.1", session=sess)
        flavor = nova.flavors.find(name="m1.tiny")
        server = nova.servers.create("nova-vm", IMAGE, flavor)
        wait_for(nova, server.id, "ACTIVE")
        assert server.id in [s.id for s in nova.servers.list()]
        assert nova.servers.get(server.id).name == "nova-vm"
        nova.servers.stop(server.id)
        wait_for(nova, server.id, "SHUTOFF")
        nova.servers.start(server.id)
        wait_for(nova, server.id, "ACTIVE")
        nova.servers.delete(server.id)
        deadline = time.time() + 20
        while server.id in [s.id for s in nova.servers.list()]:
            assert time.time() < deadline, "delete did not finish"
            time.sleep(0.05)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
