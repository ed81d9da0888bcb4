def test_world(world, client_as):
    response = client_as(world.people["admin"]).get("/cepol/")
    assert response.status_code == 200
