"""Password hashing (argon2) and the password rules, with messages a person can act on."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers: dict[bool, PasswordHasher] = {}

COMMON_PASSWORDS = frozenset({
    "password", "password1", "12345678", "123456789", "1234567890", "qwertyui", "qwerty123", "iloveyou",
    "11111111", "00000000", "abc12345", "letmein1", "welcome1", "admin123", "passw0rd", "contraseña",
})


def _hasher() -> PasswordHasher:
    # Tests hash hundreds of passwords; production keeps argon2's recommended cost.
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _hashers:
        _hashers[fast] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    return _hashers[fast]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so a missing user cannot be told apart.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """What is wrong with `password`, or an empty list."""
    problems = []
    if len(password) < 8:
        problems.append("Password must be at least 8 characters long.")
    if len(password) > 128:
        problems.append("Password must be at most 128 characters long.")
    if password.isdigit():
        problems.append("Password must not be only digits.")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("Password is too common.")
    lowered = password.lower()
    if username and lowered == username.lower() or email and lowered == email.lower():
        problems.append("Password must differ from the username and email.")
    return problems
