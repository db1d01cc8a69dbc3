"""Users, accounts and memberships: registration, profiles, client accounts, team members."""
import re
import uuid
from zoneinfo import available_timezones

from babel.numbers import list_currencies
from flask import current_app
from sqlalchemy import func, literal, select

from app.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from app.extensions import db
from app.models import Account, Membership, MemberRole, User, UserRole, UserStatus, utcnow
from app.services import auth, unit_of_work
from app.services.activity import record_event
from app.services.customer_fields import FieldError, normalize_email
from app.services.geolocation_data import default_gazetteer
from app.services.pagination import Page, paginate
from app.services.passwords import hash_password, password_problems, verify_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
SELF_SERVICE_ROLES = (UserRole.STORE_OWNER, UserRole.AGENCY)
_TIMEZONES = frozenset(available_timezones())


def checked_email(email: str) -> str:
    """The one normalised form of an address (the same as a customer's), or a ValidationError on `email`."""
    try:
        return normalize_email(email)
    except FieldError as exc:
        raise ValidationError("Validation error", details={"email": [str(exc)]}) from None


def _check_account_defaults(data: dict, errors: dict) -> None:
    """The account's country (ISO 3166-1 alpha-2) and currency (ISO 4217), upper-cased in place."""
    if data.get("default_region") is not None:
        data["default_region"] = str(data["default_region"]).strip().upper()
        if not default_gazetteer().has_country(data["default_region"]):
            errors["default_region"] = ["Must be an ISO 3166-1 country code such as 'ES'."]
    if data.get("currency") is not None:
        data["currency"] = str(data["currency"]).strip().upper()
        if data["currency"] not in list_currencies():
            errors["currency"] = ["Must be an ISO 4217 currency code such as 'EUR'."]


def _check_profile(data: dict, errors: dict) -> None:
    language = data.get("language")
    if language is not None and language not in current_app.config["USER_LANGUAGES"]:
        errors["language"] = [f"Must be one of: {', '.join(current_app.config['USER_LANGUAGES'])}."]
    timezone = data.get("timezone")
    if timezone is not None and timezone not in _TIMEZONES:
        errors["timezone"] = ["Must be an IANA time zone name such as 'Europe/Madrid'."]


def _taken(column, value: str, *, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(User.id).where(func.lower(column) == value.lower())
    if exclude is not None:
        stmt = stmt.where(User.id != exclude)
    return db.session.scalar(stmt) is not None


@unit_of_work
def register_user(*, username: str, email: str, password: str, full_name: str = "",
                  role: UserRole = UserRole.STORE_OWNER, language: str | None = None,
                  timezone: str | None = None, account_name: str | None = None) -> User:
    """Create a store owner or agency user with an account of their own, which they own."""
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not USERNAME_RE.match(username):
        errors["username"] = ["Use 3 to 64 letters, digits, '.', '_' or '-'."]
    try:
        email = checked_email(email)
    except ValidationError as exc:
        errors.update(exc.details)
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = ["Must be 'store_owner' or 'agency'."]
    if problems := password_problems(password, username=username, email=email):
        errors["password"] = problems
    _check_profile({"language": language, "timezone": timezone}, errors)
    if errors:
        raise ValidationError("Validation error", details=errors)
    conflicts = {}
    if _taken(User.username, username):
        conflicts["username"] = ["This username is already taken."]
    if _taken(User.email, email):
        conflicts["email"] = ["An account with this email already exists."]
    if conflicts:
        raise Conflict("Username or email already registered", details=conflicts)

    user = User(username=username, email=email, password_hash=hash_password(password), full_name=full_name.strip(),
                role=role, language=language or "en", timezone=timezone or "UTC")
    db.session.add(user)
    account = Account(name=(account_name or full_name or username).strip(), created_by=user,
                      language=user.language, timezone=user.timezone)
    db.session.add(Membership(user=user, account=account, role=MemberRole.OWNER))
    db.session.flush()
    record_event(account, user, "user.registered", user, {"role": role.value})
    return user


def _by_login(login: str):
    login = login.lower()
    return (func.lower(User.username) == login) | (func.lower(User.email) == login)


def user_id_for_login(login: str) -> uuid.UUID | None:
    """The id of the user a username or email names, for counting login attempts per account."""
    return db.session.scalar(select(User.id).where(_by_login(login)).limit(1))


@unit_of_work
def authenticate(login: str, password: str) -> User:
    """The active user whose username or email is `login` and whose password matches; one message for every failure."""
    login = (login or "").strip()
    user = db.session.scalar(select(User).where(_by_login(login)))
    if not verify_password(user.password_hash if user else None, password or "") or user.status != UserStatus.ACTIVE:
        record_event(None, user, "auth.login_failed", user, {"login": login[:64]})
        db.session.commit()  # the audit trail of a failed login must survive the error below
        raise Unauthorized("Invalid username or password")
    user.last_login = utcnow()
    record_event(None, user, "auth.login", user)
    return user


@unit_of_work
def set_password(user: User, new_password: str, *, actor: User | None) -> None:
    """Set a password without the current one (an admin, the CLI); every session of the user ends."""
    if problems := password_problems(new_password, username=user.username, email=user.email):
        raise ValidationError("Validation error", details={"password": problems})
    user.password_hash = hash_password(new_password)
    auth.end_all_sessions(user)
    record_event(None, actor, "user.password_set", user)


@unit_of_work
def set_user_status(user: User, status: UserStatus, *, actor: User | None) -> User:
    """Enable or disable a user; disabling ends every session and token they hold at once."""
    _set_status(user, status, actor)
    return user


@unit_of_work
def set_user_role_and_status(user: User, *, role: UserRole, status: UserStatus, actor: User | None) -> User:
    """A platform admin's change of a user's role or status (admins only)."""
    if actor is None or not actor.is_admin:
        raise Forbidden("Only platform admins change roles")
    if user.role != role:
        record_event(None, actor, "user.role_changed", user, {"from": user.role.value, "to": role.value})
        user.role = role
    _set_status(user, status, actor)
    return user


def _set_status(user: User, status: UserStatus, actor: User | None) -> None:
    if user.status != status:
        user.status = status
        if status == UserStatus.DISABLED:
            auth.end_all_sessions(user)
        record_event(None, actor, f"user.{'enabled' if status == UserStatus.ACTIVE else 'disabled'}", user)


def get_user(user_id) -> User | None:
    try:
        return db.session.get(User, uuid.UUID(str(user_id)))
    except ValueError:
        return None


@unit_of_work
def update_profile(user: User, **changes) -> User:
    """Change name, language, time zone or email of `user`."""
    errors: dict[str, list[str]] = {}
    _check_profile(changes, errors)
    if "email" in changes and changes["email"] is not None:
        try:
            changes["email"] = checked_email(changes["email"])
        except ValidationError as exc:
            errors.update(exc.details)
    if errors:
        raise ValidationError("Validation error", details=errors)
    if changes.get("email") and _taken(User.email, changes["email"], exclude=user.id):
        raise Conflict("Email already registered", details={"email": ["An account with this email already exists."]})
    for field in ("full_name", "language", "timezone", "email"):
        if changes.get(field) is not None:
            setattr(user, field, changes[field])
    record_event(None, user, "user.updated", user, {"fields": sorted(k for k, v in changes.items() if v is not None)})
    return user


@unit_of_work
def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationError("Validation error", details={"current_password": ["Current password is incorrect."]})
    if problems := password_problems(new_password, username=user.username, email=user.email):
        raise ValidationError("Validation error", details={"new_password": problems})
    user.password_hash = hash_password(new_password)
    auth.end_all_sessions(user)
    record_event(None, user, "user.password_changed", user)


# Accounts and memberships -------------------------------------------------------------------------

def list_accounts(user: User, *, page: int = 1, size: int = 100) -> Page:
    """Accounts `user` can work in, the default (oldest membership) first; admins see all."""
    return paginate(accounts_for(user), page=page, size=size)


def accounts_for(user: User):
    """Accounts `user` can work in, the default (oldest membership) first; admins see all."""
    if user.is_admin:
        return select(Account).order_by(Account.created_at, Account.name)
    return (select(Account).join(Membership).where(Membership.user_id == user.id)
            .order_by(Membership.created_at, Account.name))


def get_account_for(user: User, account_id) -> Account:
    """The account `account_id` if `user` may use it; another account answers NotFound (no existence leak)."""
    return account_and_role(user, account_id)[0]


def account_and_role(user: User, account_id=None) -> tuple[Account | None, MemberRole | None]:
    """The account `user` works in and their role there, in one query: `account_id`, else their first account.

    A named account the user may not use answers NotFound (no existence leak); no account at all is (None, None).
    """
    if user.is_admin:
        stmt = select(Account, literal(MemberRole.OWNER.value))
    else:
        stmt = select(Account, Membership.role).join(Membership).where(Membership.user_id == user.id)
    if account_id is not None:
        try:
            wanted = uuid.UUID(str(account_id))
        except ValueError:
            raise NotFound(f"Account with id '{account_id}' not found") from None
        row = db.session.execute(stmt.where(Account.id == wanted)).first()
        if row is None:
            raise NotFound(f"Account with id '{account_id}' not found")
    else:
        # The default is the user's oldest membership (their own account), so joining or being
        # invited elsewhere never changes where their calls without X-Account-Id land.
        order = (Account.created_at,) if user.is_admin else (Membership.created_at, Account.created_at)
        row = db.session.execute(stmt.order_by(*order).limit(1)).first()
        if row is None:
            return None, None
    return row[0], MemberRole(row[1])


@unit_of_work
def create_client_account(user: User, *, name: str, timezone: str | None = None, language: str | None = None,
                          default_region: str | None = None, currency: str | None = None) -> Account:
    """An agency (or admin) opens an account for a client and owns it."""
    if user.role not in (UserRole.AGENCY, UserRole.ADMIN):
        raise Forbidden("Only agencies can create client accounts")
    errors: dict[str, list[str]] = {}
    if not name or not name.strip():
        errors["name"] = ["Name is required."]
    defaults = {"default_region": default_region, "currency": currency}
    _check_profile({"timezone": timezone, "language": language}, errors)
    _check_account_defaults(defaults, errors)
    if errors:
        raise ValidationError("Validation error", details=errors)
    account = Account(name=name.strip(), created_by=user, timezone=timezone or user.timezone,
                      language=language or user.language, default_region=defaults["default_region"] or "US",
                      currency=defaults["currency"] or "USD")
    db.session.add(Membership(user=user, account=account, role=MemberRole.OWNER))
    db.session.flush()
    record_event(account, user, "account.created", account, {"name": account.name})
    return account


@unit_of_work
def update_account(account: Account, *, actor: User, **changes) -> Account:
    """Rename the account or change its defaults: language, time zone, country, currency (owners only)."""
    errors: dict[str, list[str]] = {}
    _check_profile(changes, errors)
    _check_account_defaults(changes, errors)
    if "name" in changes and not (changes["name"] or "").strip():
        errors["name"] = ["Name is required."]
    if errors:
        raise ValidationError("Validation error", details=errors)
    changed = []
    for field in ("name", "timezone", "language", "default_region", "currency"):
        value = changes.get(field)
        value = value.strip() if field == "name" and value is not None else value
        if value is not None and value != getattr(account, field):
            setattr(account, field, value)
            changed.append(field)
    if changed:
        record_event(account, actor, "account.updated", account, {"fields": changed})
    return account
