from cpuapp.maths import count_primes, mandelbrot_rows, word_frequencies


def test_count_primes_matches_known_values():
    assert count_primes(2) == 0
    assert count_primes(10) == 4
    assert count_primes(100) == 25
    assert count_primes(20_000) == 2262


def test_mandelbrot_is_symmetric_and_has_the_origin_inside():
    rows = mandelbrot_rows(9)
    assert len(rows) == 9 and all(len(row) == 9 for row in rows)
    assert rows == rows[::-1]
    assert "#" in rows[4]


def test_word_frequencies_orders_by_count_then_word():
    assert word_frequencies("b a B c a b", top=2) == [("b", 3), ("a", 2)]


def test_primes_view(client):
    assert client.get("/primes?limit=100").get_json() == {"limit": 100, "count": 25}


def test_primes_view_rejects_out_of_range_limits(client):
    assert client.get("/primes?limit=1").status_code == 400
    assert client.get("/primes?limit=10000000").status_code == 400


def test_mandelbrot_view(client):
    body = client.get("/mandelbrot?size=8").get_json()
    assert body["size"] == 8 and len(body["rows"]) == 8


def test_words_view(client):
    response = client.post("/words", data="the cat and the hat", content_type="text/plain")
    assert response.get_json()["top"][0] == {"word": "the", "count": 2}
