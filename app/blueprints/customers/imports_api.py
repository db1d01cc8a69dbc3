"""Audience API: customer imports (multipart upload answered 202, then progress and rejected rows)."""
from flask import Response, stream_with_context, url_for
from flask.views import MethodView

from app import json_limits
from app.blueprints.common import IDEMPOTENCY_KEY_PARAMETER, idempotent, page_response, page_schema
from app.blueprints.customers.api import api_blp
from app.blueprints.customers.schemas import (
    ImportFileSchema, ImportFormSchema, ImportJobDetailSchema, ImportJobSchema, ImportQueryArgsSchema,
    ImportRowErrorSchema,
)
from app.errors import ValidationError
from app.security import current_account, current_user, editor_required, login_required
from app.services import imports


def _mapping(raw: str | None) -> dict | None:
    if raw in (None, ""):
        return None
    try:
        # A flat object: nesting or lone surrogates are refused like any other bad mapping.
        mapping = json_limits.loads(raw, max_depth=1, max_bytes=64_000)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, (str, type(None))) for v in mapping.values()):
        raise ValidationError(details={"mapping": ['Expected a JSON object such as {"Correo": "email"}.']})
    return mapping


@api_blp.route("/customers/import")
class CustomerImport(MethodView):
    @editor_required
    @idempotent
    @api_blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @api_blp.arguments(ImportFormSchema, location="form")
    @api_blp.arguments(ImportFileSchema, location="files")
    @api_blp.response(202, ImportJobSchema)
    def post(self, form, files):
        """Import customers from CSV or XLSX; answers 202 with the import job to follow at /imports/{id}"""
        job = imports.create_import(current_account(), actor=current_user(), stream=files["file"].stream,
                                    filename=files["file"].filename or "upload", mode=form["mode"],
                                    mapping=_mapping(form.get("mapping")), tags=form.get("tags") or "")
        return job, 202, {"Location": url_for("customers-api.ImportById", import_id=job.id)}


@api_blp.route("/imports")
class Imports(MethodView):
    @login_required
    @api_blp.arguments(ImportQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(ImportJobSchema, "imports"))
    def get(self, args):
        """Imports of the account, newest first"""
        return page_response(imports.list_imports(current_account(), **args), "imports")


@api_blp.route("/imports/<uuid:import_id>")
class ImportById(MethodView):
    @login_required
    @api_blp.response(200, ImportJobDetailSchema)
    def get(self, import_id):
        """Status, progress (rows done / total), counts, and the rejected rows with line and reason"""
        return imports.import_detail(current_account(), import_id)


@api_blp.route("/imports/<uuid:import_id>/errors")
class ImportErrors(MethodView):
    @login_required
    @api_blp.arguments(ImportQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(ImportRowErrorSchema, "errors"))
    def get(self, args, import_id):
        """Every rejected row of an import, by line"""
        job = imports.get_import(current_account(), import_id)
        return page_response(imports.list_row_errors(job, **args), "errors")


@api_blp.route("/imports/<uuid:import_id>/errors.csv")
class ImportErrorsCsv(MethodView):
    @login_required
    @api_blp.response(200, content_type="text/csv")
    def get(self, import_id):
        """The rejected rows as CSV (line, reason, then the original columns), to fix and import again"""
        job = imports.get_import(current_account(), import_id)
        return Response(stream_with_context(imports.rejected_rows_csv(job)), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="rejected-{job.id}.csv"'})
