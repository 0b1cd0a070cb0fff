"""The module contracts/payments.keys.yml protects."""


def signing_key() -> bytes:
    return b"not-a-real-key"
