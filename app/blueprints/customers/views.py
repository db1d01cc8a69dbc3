"""Audience pages: customers (search, filters, bulk tags), the import wizard, and the segment builder."""
import re
from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from app.blueprints.customers.forms import (
    BulkTagForm, CustomerFilterForm, CustomerForm, ImportStartForm, ImportUploadForm, SegmentForm, mapping_choices,
)
from app.blueprints.common import page_number
from app.blueprints.customers import rule_words
from app.blueprints.customers.rules_form import fill_form, row_indexes, rules_from_form
from app.blueprints.forms import apply_errors, attempt, error_text, flash_form_errors, messages_of
from app.blueprints.geolocation.picker import picked_place
from app.errors import DomainError, ValidationError
from app.models import CHANNELS, ImportMode, ImportStatus, MemberRole
from app.security import current_account, current_user, editor_required, require_account_role, viewer_required
from app.services import customers, imports, segments

pages_bp = Blueprint("customers", __name__)


def _filters(form: CustomerFilterForm) -> dict:
    return {k: v for k, v in form.data.items() if k in ("search", "tag", "language", "consent", "behaviour") and v}


@pages_bp.get("/customers")
@viewer_required
def index():
    filters_form = CustomerFilterForm(request.args)
    filters = _filters(filters_form)
    page = customers.list_customers(current_account(), page=page_number(), size=25, **filters)
    return render_template("customers/index.html", page=page, filters_form=filters_form, filters=filters,
                           tag_form=BulkTagForm(), args=request.args.to_dict(), behaviour_of=customers.behaviour_of)


@pages_bp.post("/customers/tags")
@editor_required
def bulk_tags():
    form = BulkTagForm()
    filters = _filters(CustomerFilterForm(request.args))
    ids = request.form.getlist("customer_ids")
    if form.validate_on_submit():
        count = attempt(lambda: customers.tag_customers(
            current_account(), actor=current_user(), add=form.add.data or "", remove=form.remove.data or "",
            customer_ids=None if form.scope.data == "all" else ids, filters=filters))
        if count is not None:
            flash(_("Tags changed on %(count)s customers.", count=count), "success")
    else:
        flash_form_errors(form)
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
@viewer_required
def show(customer_id):
    account = current_account()
    customer = customers.get_customer(account, customer_id)
    form = CustomerForm(data=_form_values(customer))
    if request.method == "POST":
        require_account_role(MemberRole.EDITOR)
        if form.validate_on_submit():
            try:
                data = _customer_data(form)
                customers.update_customer(customer, actor=current_user(),
                                          consent=_consent_changes(form, customer),
                                          consent_source=f"web form ({current_user().username})", **data)
                flash(_("Customer saved."), "success")
                return redirect(url_for("customers.show", customer_id=customer.id))
            except DomainError as exc:
                apply_errors(form, exc)
    return render_template("customers/form.html", form=form, customer=customer,
                           history=customers.consent_history(customer), behaviour=customers.behaviour_of(customer))


def _form_values(customer) -> dict:
    """The customer as the form shows it. Not obj=customer: WTForms would take its tag list over the text."""
    location = customers.location_of(customer)
    values = {name: getattr(customer, name) for name in ("first_name", "last_name", "email", "phone", "language",
                                                         "timezone", "city", "country")}
    values.update(tags=", ".join(customer.tags), longitude=location["coordinates"][0] if location else None,
                  latitude=location["coordinates"][1] if location else None,
                  **{f"consent_{c}": customer.consent(c) is True for c in CHANNELS})
    return values


@pages_bp.post("/customers/<uuid:customer_id>/delete")
@editor_required
def delete(customer_id):
    account = current_account()
    customers.delete_customer(customers.get_customer(account, customer_id), actor=current_user())
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
    recent = imports.list_imports(current_account(), page=1, size=10)
    return render_template("customers/import_upload.html", form=form, recent=recent)


@pages_bp.route("/imports/<uuid:import_id>", methods=["GET", "POST"])
@viewer_required
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
@viewer_required
def import_status(import_id):
    job = imports.get_import(current_account(), import_id)
    message = _("%(done)s of %(total)s rows · %(created)s new · %(updated)s updated · %(rejected)s rejected",
                done=job.processed_rows, total=job.total_rows, created=job.created_count,
                updated=job.updated_count, rejected=job.error_count)
    return jsonify(status=job.status.value, progress=job.progress, message=message)


@pages_bp.get("/imports/<uuid:import_id>/rejected.csv")
@viewer_required
def import_rejected(import_id):
    job = imports.get_import(current_account(), import_id)
    return Response(stream_with_context(imports.rejected_rows_csv(job)), mimetype="text/csv",
                    headers={"Content-Disposition": _attachment(f"rejected-{_stem(job.filename)}.csv")})


def _stem(filename: str) -> str:
    """"customers.csv" -> "customers" (the download is a CSV whatever was uploaded: no "customers.xlsx.csv")."""
    stem, dot, extension = (filename or "import").rpartition(".")
    return stem if dot and stem and extension.lower() in ("csv", "txt", "tsv", "xlsx", "xls") else filename or "import"


def _attachment(filename: str) -> str:
    """A Content-Disposition for any name: an ASCII fallback plus the UTF-8 name (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# --- segments ------------------------------------------------------------------------------------------------------

@pages_bp.get("/segments")
@viewer_required
def segments_index():
    account = current_account()
    page = segments.list_segments(account, page=page_number(), size=25)
    counts = segments.count_each(account, page.items)
    return render_template("customers/segments.html", page=page, counts=counts, args=request.args.to_dict())


@pages_bp.route("/segments/new", methods=["GET", "POST"], defaults={"segment_id": None})
@pages_bp.route("/segments/<uuid:segment_id>", methods=["GET", "POST"])
@viewer_required
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
            fields = dict(name=form.name.data, description=form.description.data or "", rules=rules_from_form(form))
            if segment is None:
                segment = segments.create_segment(account, actor=current_user(), **fields)
            else:
                segments.update_segment(segment, actor=current_user(), **fields)
            flash(_("Segment saved."), "success")
            return redirect(url_for("customers.segment_edit", segment_id=segment.id))
        except DomainError as exc:
            apply_errors(form, rule_errors(form, exc))
    if segment is not None:
        try:
            preview = segments.preview(account, segment.rules)
        except DomainError:
            preview = None
    form.prepare_rows()
    return render_template("customers/segment_form.html", form=form, segment=segment, preview=preview,
                           builder=rule_words.builder_config(), hint=rule_words.hint)


def rule_errors(form, exc: DomainError) -> DomainError:
    """The compiler's errors about conditions ("rules.conditions[2]") as errors of the rows they came from."""
    details = dict(exc.details or {})
    rules = details.pop("rules", None)
    if isinstance(rules, dict):
        rows = row_indexes(form)
        for path, messages in rules.items():
            match = re.fullmatch(r"rules\.conditions\[(\d+)\](.*)", path)
            k = int(match.group(1)) if match and not form.rules_json.data else None
            if k is not None and k < len(rows) and not match.group(2).startswith(".conditions"):
                row = form.conditions[rows[k]]
                target = row.place if row.op.data == "within_km" and row.place.data else row.value
                details.setdefault(target.name, []).extend(
                    rule_words.row_message(row.field.data, row.op.data, m) for m in messages_of(messages))
            else:
                details.setdefault("rules_json", []).extend(f"{path}: {m}" for m in messages_of(messages))
    return ValidationError(exc.message, details=details) if isinstance(exc, ValidationError) else exc


@pages_bp.post("/segments/count.json")
@viewer_required
def segment_count():
    """The live count while the builder is edited: {"count"}, or 422 with {"error", "fields"} in the page's words."""
    form = SegmentForm()
    try:
        # While typing, only a place chosen from the suggestions counts (no lookups of half-typed names).
        return jsonify(count=segments.count_matching(current_account(), rules_from_form(form, resolve=False)))
    except DomainError as exc:
        fields = {name: messages_of(value) for name, value in (rule_errors(form, exc).details or {}).items()}
        return jsonify(error=_count_error(form, fields) or error_text(exc), fields=fields), 422


def _count_error(form, fields: dict) -> str:
    """"Condition 2: value must be a number." for each row in error; other messages as they are."""
    parts = []
    for name, messages in fields.items():
        match = re.fullmatch(r"conditions-(\d+)-\w+", name)
        where = _("Condition %(n)s", n=row_indexes(form).index(int(match.group(1))) + 1) \
            if match and int(match.group(1)) in row_indexes(form) else None
        parts.append(f"{where}: {' '.join(messages)}" if where else " ".join(messages))
    return " · ".join(parts)


@pages_bp.post("/segments/<uuid:segment_id>/delete")
@editor_required
def segment_delete(segment_id):
    account = current_account()
    segments.delete_segment(segments.get_segment(account, segment_id), actor=current_user())
    flash(_("Segment deleted."), "success")
    return redirect(url_for("customers.segments_index"))
