from complaints.public import ratelimit


def test_hit_allows_up_to_the_limit_then_refuses():
    assert [ratelimit.hit("t", "1.2.3.4", "3/60") for _ in range(5)] == [True, True, True, False, False]
    # another key has its own count
    assert ratelimit.hit("t", "5.6.7.8", "3/60") is True


def test_is_blocked_reads_without_counting():
    for _ in range(2):
        ratelimit.hit("f", "CODE", "2/60")
    assert ratelimit.is_blocked("f", "CODE", "2/60") is True
    assert ratelimit.is_blocked("f", "OTHER", "2/60") is False


def test_keys_do_not_contain_the_raw_value():
    key = ratelimit._key("m", "13812345678", ratelimit.Limit.parse("5/60"))
    assert "13812345678" not in key


def test_client_ip_ignores_forwarded_for_unless_proxies_are_trusted(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.CRM = {**settings.CRM, "TRUSTED_PROXY_COUNT": 1}
    assert ratelimit.client_ip(request) == "203.0.113.9"
    settings.CRM = {**settings.CRM, "TRUSTED_PROXY_COUNT": 2}
    assert ratelimit.client_ip(request) == "6.6.6.6"
