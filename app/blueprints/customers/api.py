"""Audience API: customers, their tags and orders; imports and segments attach their routes to the same blueprint."""
from flask.views import MethodView

from app.blueprints.answers import NOT_MODIFIED, AnswerCache
from app.blueprints.common import Blueprint, IDEMPOTENCY_KEY_PARAMETER, idempotent, page_schema
from app.blueprints.customers.schemas import (
    CustomerQueryArgsSchema, CustomerSchema, CustomerWriteSchema, OrderSchema, TagRequestSchema, TagResultSchema,
)
from app.security import current_account, current_user, editor_required, login_required
from app.services import customers

api_blp = Blueprint("customers-api", __name__, url_prefix="/api/v1",
                    description="Audience: customers, CSV/XLSX imports, tags, consent and segments")
pages = AnswerCache()  # pages of the customers list, served again while unchanged
CustomerPageSchema = page_schema(CustomerSchema, "customers")
_page_schema = CustomerPageSchema()


@api_blp.route("/customers")
class Customers(MethodView):
    @login_required
    @api_blp.arguments(CustomerQueryArgsSchema, location="query")
    @api_blp.response(200, CustomerPageSchema)
    @api_blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """Customers of the account; filter by search, tag, language, consent (channel) or behaviour"""
        account, page, size = current_account(), args.pop("page"), args.pop("size")
        # Behaviour turns with the clock (`also`) and with the frequent rule, which the statement reads.
        return pages.page((account.id, page, size, customers.frequent_rule(), *sorted(args.items())),
                          lambda: customers.customers_query(account, **args), page=page, size=size,
                          schema=_page_schema, name="customers", also=lambda: [customers.frequent_now()])

    @editor_required
    @api_blp.arguments(CustomerWriteSchema)
    @api_blp.response(201, CustomerSchema)
    def post(self, data):
        """Add a customer; email or phone is required, and each is unique in the account"""
        return customers.create_customer(current_account(), actor=current_user(), **data)


@api_blp.route("/customers/<uuid:customer_id>")
class CustomerById(MethodView):
    @login_required
    @api_blp.response(200, CustomerSchema)
    def get(self, customer_id):
        """One customer"""
        return customers.get_customer(current_account(), customer_id)

    @editor_required
    @api_blp.arguments(CustomerWriteSchema)
    @api_blp.response(200, CustomerSchema)
    def put(self, data, customer_id):
        """Replace a customer (fields not given go back to their defaults; consent only changes if given)"""
        account = current_account()
        customer = customers.get_customer(account, customer_id)
        return customers.update_customer(customer, actor=current_user(), replace=True, **data)

    @editor_required
    @api_blp.arguments(CustomerWriteSchema)
    @api_blp.response(200, CustomerSchema)
    def patch(self, data, customer_id):
        """Change some fields of a customer"""
        account = current_account()
        customer = customers.get_customer(account, customer_id)
        return customers.update_customer(customer, actor=current_user(), **data)

    @editor_required
    @api_blp.response(204)
    def delete(self, customer_id):
        """Delete a customer"""
        account = current_account()
        customers.delete_customer(customers.get_customer(account, customer_id), actor=current_user())


@api_blp.route("/customers/<uuid:customer_id>/orders")
class CustomerOrders(MethodView):
    @editor_required
    @idempotent
    @api_blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @api_blp.arguments(OrderSchema)
    @api_blp.response(201, CustomerSchema)
    def post(self, data, customer_id):
        """Count an order of the customer (drives new/frequent behaviour); send an Idempotency-Key to retry safely"""
        customer = customers.get_customer(current_account(), customer_id)
        return customers.record_order(customer, at=data["ordered_at"])


@api_blp.route("/customers/tags")
class CustomerTags(MethodView):
    @editor_required
    @api_blp.arguments(TagRequestSchema)
    @api_blp.response(200, TagResultSchema)
    def post(self, data):
        """Add and remove tags on many customers at once (by ids, or every customer matching filters)"""
        return {"updated": customers.tag_customers(current_account(), actor=current_user(), add=data["add"],
                                                   remove=data["remove"], customer_ids=data.get("customer_ids"),
                                                   filters=data.get("filters"))}


# The imports and segments resources live in their own modules on this blueprint.
from app.blueprints.customers import imports_api, segments_api  # noqa: E402,F401
