from tests.conftest import OrgWorld


def test_world_builds(org_a: OrgWorld, org_b: OrgWorld, client) -> None:
    client.force_login(org_a.users["manager"])
    assert client.get(f"/o/{org_a.slug}/").status_code == 200
    assert client.get(f"/o/{org_b.slug}/").status_code == 404
