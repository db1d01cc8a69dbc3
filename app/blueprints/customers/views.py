"""Audience pages: customers (search, filters, bulk tags), the import wizard, and the segment builder."""
from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from app.blueprints.customers.forms import (
    BulkTagForm, CustomerFilterForm, CustomerForm, ImportStartForm, ImportUploadForm, SegmentForm, mapping_choices,
)
from app.blueprints.customers.rules_form import fill_form, rules_from_form
from app.blueprints.forms import apply_errors
from app.blueprints.geolocation.picker import picked_place
from app.errors import DomainError
from app.models import CHANNELS, ImportMode, ImportStatus, MemberRole
from app.security import current_account, current_user, editor_required, login_required, require_account_role
from app.services import customers, imports, segments
from app.services.pagination import paginate

pages_bp = Blueprint("customers", __name__)


def _filters(form: CustomerFilterForm) -> dict:
    return {k: v for k, v in form.data.items() if k in ("search", "tag", "language", "consent", "behaviour") and v}


@pages_bp.get("/customers")
@login_required
def index():
    filters_form = CustomerFilterForm(request.args)
    filters = _filters(filters_form)
    page = paginate(customers.customers_query(current_account(), **filters),
                    page=min(max(request.args.get("page", 1, type=int), 1), 1_000_000), size=25)
    return render_template("customers/index.html", page=page, filters_form=filters_form, filters=filters,
                           tag_form=BulkTagForm(), args=request.args.to_dict(), behaviour_of=customers.behaviour_of)


@pages_bp.post("/customers/tags")
@editor_required
def bulk_tags():
    form = BulkTagForm()
    filters = _filters(CustomerFilterForm(request.args))
    ids = request.form.getlist("customer_ids")
    if form.validate_on_submit():
        try:
            count = customers.tag_customers(
                current_account(), actor=current_user(), add=form.add.data or "", remove=form.remove.data or "",
                customer_ids=None if form.scope.data == "all" else ids, filters=filters)
            flash(_("Tags changed on %(count)s customers.", count=count), "success")
        except DomainError as exc:
            apply_errors(form, exc)
            for errors in form.errors.values():
                flash(" ".join(errors), "danger")
    return redirect(url_for("customers.index", **request.args))


def _customer_data(form: CustomerForm) -> dict:
    if form.place.data and not request.form.get("place_lat"):
        # Typed, not chosen (or no JavaScript to copy the choice): the name's best match gives the point.
        form.longitude.data, form.latitude.data = picked_place(request.form, "place")["coordinates"]
    data = {name: getattr(form, name).data for name in ("first_name", "last_name", "email", "phone", "language",
                                                        "timezone", "city", "country")}
    data["tags"] = form.tags.data or ""
    lat, lon = form.latitude.data, form.longitude.data
    data["location"] = {"type": "point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return data


def _consent_changes(form: CustomerForm, customer=None) -> dict:
    changes = {}
    for channel in CHANNELS:
        wanted = getattr(form, f"consent_{channel}").data
        current = customer.consent(channel) if customer else None
        if wanted and current is not True:
            changes[channel] = True
        elif not wanted and current is True:
            changes[channel] = False
    return changes


@pages_bp.route("/customers/new", methods=["GET", "POST"])
@editor_required
def new():
    form = CustomerForm(language=current_account().language)
    if form.validate_on_submit():
        try:
            data = _customer_data(form)
            customer = customers.create_customer(current_account(), actor=current_user(), consent=_consent_changes(form),
                                                 consent_source=f"web form ({current_user().username})", **data)
            flash(_("Customer added."), "success")
            return redirect(url_for("customers.show", customer_id=customer.id))
        except DomainError as exc:
            apply_errors(form, exc)
    return render_template("customers/form.html", form=form, customer=None)


@pages_bp.route("/customers/<uuid:customer_id>", methods=["GET", "POST"])
@login_required
def show(customer_id):
    account = current_account()
    customer = customers.get_customer(account, customer_id)
    location = customers.location_of(customer)
    form = CustomerForm(obj=customer, tags=", ".join(customer.tags),
                        longitude=location["coordinates"][0] if location else None,
                        latitude=location["coordinates"][1] if location else None,
                        **{f"consent_{c}": customer.consent(c) is True for c in CHANNELS})
    if request.method == "POST":
        require_account_role(MemberRole.EDITOR)
        if form.validate_on_submit():
            try:
                data = _customer_data(form)
                customers.update_customer(customer, actor=current_user(), account=account,
                                          consent=_consent_changes(form, customer),
                                          consent_source=f"web form ({current_user().username})", **data)
                flash(_("Customer saved."), "success")
                return redirect(url_for("customers.show", customer_id=customer.id))
            except DomainError as exc:
                apply_errors(form, exc)
    return render_template("customers/form.html", form=form, customer=customer,
                           history=customers.consent_history(customer), behaviour=customers.behaviour_of(customer))


@pages_bp.post("/customers/<uuid:customer_id>/delete")
@editor_required
def delete(customer_id):
    account = current_account()
    customers.delete_customer(customers.get_customer(account, customer_id), actor=current_user(), account=account)
    flash(_("Customer deleted."), "success")
    return redirect(url_for("customers.index"))


# --- the import wizard: upload → map columns → live progress → rejected rows ---------------------------------------

@pages_bp.route("/customers/import", methods=["GET", "POST"])
@editor_required
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            job = imports.create_import(current_account(), actor=current_user(), stream=upload.stream,
                                        filename=upload.filename or "upload", start=False)
            return redirect(url_for("customers.import_show", import_id=job.id))
        except DomainError as exc:
            apply_errors(form, exc)
    recent = paginate(imports.imports_query(current_account()), page=1, size=10)
    return render_template("customers/import_upload.html", form=form, recent=recent)


@pages_bp.route("/imports/<uuid:import_id>", methods=["GET", "POST"])
@login_required
def import_show(import_id):
    job = imports.get_import(current_account(), import_id)
    form = ImportStartForm(mode=job.mode.value, tags=", ".join(job.tags))
    mapping = dict(job.mapping)
    if job.status == ImportStatus.DRAFT and request.method == "POST":
        require_account_role(MemberRole.EDITOR)
        mapping = {h: request.form.get(f"map-{i}", "") for i, h in enumerate(job.headers)}
        if form.validate_on_submit():
            try:
                imports.start_import(job, actor=current_user(), mapping=mapping, mode=ImportMode(form.mode.data),
                                     tags=form.tags.data or "")
                return redirect(url_for("customers.import_show", import_id=job.id))
            except DomainError as exc:
                apply_errors(form, exc)
    errors = imports.first_errors(job, limit=100) if job.status != ImportStatus.DRAFT else []
    return render_template("customers/import_show.html", job=job, form=form, mapping=mapping,
                           choices=mapping_choices(), errors=errors)


@pages_bp.get("/imports/<uuid:import_id>/status.json")
@login_required
def import_status(import_id):
    job = imports.get_import(current_account(), import_id)
    message = _("%(done)s of %(total)s rows · %(created)s new · %(updated)s updated · %(rejected)s rejected",
                done=job.processed_rows, total=job.total_rows, created=job.created_count,
                updated=job.updated_count, rejected=job.error_count)
    return jsonify(status=job.status.value, progress=job.progress, message=message)


@pages_bp.get("/imports/<uuid:import_id>/rejected.csv")
@login_required
def import_rejected(import_id):
    job = imports.get_import(current_account(), import_id)
    return Response(stream_with_context(imports.rejected_rows_csv(job)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="rejected-{job.filename}.csv"'})


# --- segments ------------------------------------------------------------------------------------------------------

@pages_bp.get("/segments")
@login_required
def segments_index():
    account = current_account()
    page = paginate(segments.segments_query(account), page=min(max(request.args.get("page", 1, type=int), 1), 1_000_000), size=25)
    counts = {s.id: segments.count_matching(account, s.rules) for s in page.items}
    return render_template("customers/segments.html", page=page, counts=counts, args=request.args.to_dict())


@pages_bp.route("/segments/new", methods=["GET", "POST"], defaults={"segment_id": None})
@pages_bp.route("/segments/<uuid:segment_id>", methods=["GET", "POST"])
@login_required
def segment_edit(segment_id):
    account = current_account()
    segment = segments.get_segment(account, segment_id) if segment_id else None
    form = SegmentForm(obj=segment)
    if request.method == "GET" and segment is not None:
        fill_form(form, segment.rules)
    preview = None
    if form.validate_on_submit():
        require_account_role(MemberRole.EDITOR)
        try:
            rules = rules_from_form(form, picked_place(request.form, "centre"))
            fields = dict(name=form.name.data, description=form.description.data or "", rules=rules)
            if segment is None:
                segment = segments.create_segment(account, actor=current_user(), **fields)
            else:
                segments.update_segment(segment, actor=current_user(), account=account, **fields)
            flash(_("Segment saved."), "success")
            return redirect(url_for("customers.segment_edit", segment_id=segment.id))
        except DomainError as exc:
            _rules_errors(form, exc)
    if segment is not None:
        try:
            preview = segments.preview(account, segment.rules)
        except DomainError:
            preview = None
    return render_template("customers/segment_form.html", form=form, segment=segment, preview=preview)


def _rules_errors(form, exc: DomainError) -> None:
    details = dict(exc.details or {})
    rules = details.pop("rules", None)
    if isinstance(rules, dict):
        details["rules_json"] = [f"{path}: {' '.join(msgs)}" for path, msgs in rules.items()]
    apply_errors(form, DomainError(exc.message, details=details))


@pages_bp.post("/segments/count.json")
@login_required
def segment_count():
    form = SegmentForm()
    try:
        # While typing, only a place chosen from the suggestions counts (no lookups of half-typed names).
        centre = picked_place(request.form, "centre", resolve=False)
        return jsonify(count=segments.count_matching(current_account(), rules_from_form(form, centre)))
    except DomainError as exc:
        rules = (exc.details or {}).get("rules") or (exc.details or {}).get("rules_json")
        return jsonify(error=exc.message, details=rules or exc.details), 422


@pages_bp.post("/segments/<uuid:segment_id>/delete")
@editor_required
def segment_delete(segment_id):
    account = current_account()
    segments.delete_segment(segments.get_segment(account, segment_id), actor=current_user(), account=account)
    flash(_("Segment deleted."), "success")
    return redirect(url_for("customers.segments_index"))
