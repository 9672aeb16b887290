from core import privacy


def test_masks():
    assert privacy.mask_id_number("430104199001011234") == "4301**********1234"
    assert privacy.mask_phone("13812345678") == "138****5678"
    assert privacy.mask_phone("88888888") == "******88"
    assert privacy.mask_name("张三丰") == "张**"
    assert privacy.mask_id_number("") == "" and privacy.mask_phone("") == ""


def test_encryption_round_trip_and_blind_index(settings):
    token = privacy.encrypt("430104199001011234")
    assert "430104" not in token and privacy.decrypt(token) == "430104199001011234"
    assert privacy.blind_index("43010419900101123x") == privacy.blind_index("43010419900101123X")
    settings.FIELD_ENCRYPTION_KEY = "another key"
    assert privacy.decrypt(token) == ""  # wrong key: unreadable, never an exception on a page
