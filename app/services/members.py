"""Team members and invitations: people join an account only by accepting an owner's invitation."""
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Account, Invitation, InvitationStatus, Membership, MemberRole, User, utcnow
from app.services import principals, unit_of_work
from app.services.accounts import checked_email
from app.services.activity import record_event
from app.services.pagination import Page, paginate

INVITATION_TTL = timedelta(days=14)


def list_members(account: Account, *, page: int = 1, size: int = 100) -> Page:
    """Members of the account and their roles, oldest first."""
    return paginate(select(Membership).where(Membership.account_id == account.id).order_by(Membership.created_at),
                    page=page, size=size)


def _owner_count(account: Account) -> int:
    # Lock the account first so two owners removing or demoting each other cannot both pass the count.
    db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    return db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.account_id == account.id, Membership.role == MemberRole.OWNER)
    )


def _membership(account: Account, user_id) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(Membership.account_id == account.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound(f"Member with id '{user_id}' not found")
    return membership


@unit_of_work
def change_member_role(account: Account, *, actor: User, user_id, role: MemberRole) -> Membership:
    """Give a member another role (owners); the last owner cannot step down."""
    membership = _membership(account, user_id)
    if membership.role == MemberRole.OWNER and role != MemberRole.OWNER and _owner_count(account) <= 1:
        raise Conflict("An account needs at least one owner")
    membership.role = role
    record_event(account, actor, "account.member_role_changed", account,
                 {"user_id": str(user_id), "role": role.value})
    return membership


@unit_of_work
def remove_member(account: Account, *, actor: User, user_id) -> None:
    """Take a member out of the account (owners), or leave it (anyone, for themselves); the last owner stays."""
    membership = _membership(account, user_id)
    if membership.role == MemberRole.OWNER and _owner_count(account) <= 1:
        raise Conflict("An account needs at least one owner")
    db.session.delete(membership)
    name = "account.member_left" if actor.id == membership.user_id else "account.member_removed"
    record_event(account, actor, name, account, {"user_id": str(user_id)})


# Invitations --------------------------------------------------------------------------------------

def list_invitations(account: Account, *, page: int = 1, size: int = 100) -> Page:
    """The account's open invitations, newest first."""
    return paginate(_invitations_of(account), page=page, size=size)


def list_invitations_for(user: User, *, page: int = 1, size: int = 100) -> Page:
    """Open, unexpired invitations addressed to `user`'s email, newest first."""
    return paginate(_invitations_for(user), page=page, size=size)


def _invitations_of(account: Account):
    return (select(Invitation).where(Invitation.account_id == account.id, Invitation.status == InvitationStatus.PENDING)
            .order_by(Invitation.created_at.desc()))


def _invitations_for(user: User):
    return (select(Invitation)
            .where(func.lower(Invitation.email) == user.email.lower(), Invitation.status == InvitationStatus.PENDING,
                   Invitation.expires_at > utcnow())
            .order_by(Invitation.created_at.desc()))


@unit_of_work
def invite_member(account: Account, *, actor: User, email: str, role: MemberRole) -> Invitation:
    """Offer `role` in `account` to whoever holds `email`; inviting the same address again updates the offer.

    Nothing is revealed about whether a user with that email exists: the invitee sees it once signed in.
    """
    email = checked_email(email)
    member = db.session.scalar(
        select(Membership.id).join(User).where(Membership.account_id == account.id, func.lower(User.email) == email)
    )
    if member is not None:
        raise Conflict("This person is already a member; change their role instead",
                       details={"email": ["Already a member of this account."]})
    expires_at = utcnow() + INVITATION_TTL
    # One statement decides a race between two owners inviting the same address.
    invitation_id = db.session.execute(
        pg_insert(Invitation)
        .values(id=uuid.uuid4(), account_id=account.id, email=email, role=role, status=InvitationStatus.PENDING,
                invited_by_id=actor.id, expires_at=expires_at)
        .on_conflict_do_update(index_elements=[Invitation.account_id, func.lower(Invitation.email)],
                               index_where=Invitation.status == InvitationStatus.PENDING,
                               set_={"role": role, "invited_by_id": actor.id, "expires_at": expires_at,
                                     "updated_at": utcnow()})
        .returning(Invitation.id)
    ).scalar_one()
    invitation = db.session.get(Invitation, invitation_id, populate_existing=True)
    record_event(account, actor, "account.member_invited", invitation, {"email": email, "role": role.value})
    return invitation


def _open_invitation_for(user: User, invitation_id) -> Invitation:
    invitation = db.session.scalar(
        _invitations_for(user).where(Invitation.id == invitation_id).with_for_update(of=Invitation)
    )
    if invitation is None:
        raise NotFound(f"Invitation with id '{invitation_id}' not found")
    return invitation


@unit_of_work
def accept_invitation(invitation_id, *, user: User) -> Membership:
    """Join the inviting account with the offered role (the invitee's own action; their default account stays)."""
    invitation = _open_invitation_for(user, invitation_id)
    invitation.status, invitation.responded_at = InvitationStatus.ACCEPTED, utcnow()
    principals.changed(user.id)  # the new account becomes usable at once, in every process
    db.session.execute(
        pg_insert(Membership)
        .values(id=uuid.uuid4(), user_id=user.id, account_id=invitation.account_id, role=invitation.role)
        .on_conflict_do_update(constraint="uq_memberships_user_account", set_={"role": invitation.role})
    )
    membership = db.session.scalar(
        select(Membership).where(Membership.account_id == invitation.account_id, Membership.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    record_event(invitation.account, user, "account.member_joined", invitation.account,
                 {"user": user.username, "role": invitation.role.value})
    return membership


@unit_of_work
def decline_invitation(invitation_id, *, user: User) -> None:
    """Say no to an invitation addressed to `user`."""
    invitation = _open_invitation_for(user, invitation_id)
    invitation.status, invitation.responded_at = InvitationStatus.DECLINED, utcnow()
    record_event(invitation.account, user, "account.invitation_declined", invitation.account, {})


@unit_of_work
def revoke_invitation(account: Account, *, actor: User, invitation_id) -> None:
    """Withdraw an open invitation (owners)."""
    invitation = db.session.scalar(_invitations_of(account).where(Invitation.id == invitation_id))
    if invitation is None:
        raise NotFound(f"Invitation with id '{invitation_id}' not found")
    invitation.status, invitation.responded_at = InvitationStatus.REVOKED, utcnow()
    record_event(account, actor, "account.invitation_revoked", invitation, {"email": invitation.email})
