"""Catalog API: products, stores, and store products with their stock."""
from flask.views import MethodView

from app.blueprints.catalog.schemas import (
    ProductCreateSchema, ProductQueryArgsSchema, ProductSchema, ProductUpdateSchema, StockAdjustSchema,
    StoreCreateSchema, StoreProductCreateSchema, StoreProductQueryArgsSchema, StoreProductSchema,
    StoreProductUpdateSchema, StoreQueryArgsSchema, StoreSchema, StoreUpdateSchema,
)
from app.blueprints.common import Blueprint, page_response, page_schema
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import catalog, stores

api_blp = Blueprint("catalog-api", __name__, url_prefix="/api/v1",
                    description="Products, stores and the stock each store holds")


@api_blp.route("/products")
class Products(MethodView):
    @viewer_required
    @api_blp.arguments(ProductQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(ProductSchema, "products"))
    def get(self, args):
        """List products (search by name or SKU)"""
        return page_response(catalog.list_products(current_account(), **args), "products")

    @editor_required
    @api_blp.arguments(ProductCreateSchema)
    @api_blp.response(201, ProductSchema)
    def post(self, data):
        """Create a product; its SKU is unique in the account (409 otherwise)"""
        return catalog.create_product(current_account(), actor=current_user(), **data)


@api_blp.route("/products/<product_id>")
class ProductById(MethodView):
    @viewer_required
    @api_blp.response(200, ProductSchema)
    def get(self, product_id):
        """One product"""
        return catalog.get_product(current_account(), product_id)

    @editor_required
    @api_blp.arguments(ProductUpdateSchema)
    @api_blp.response(200, ProductSchema)
    def put(self, data, product_id):
        """Change a product"""
        return catalog.update_product(catalog.get_product(current_account(), product_id), actor=current_user(),
                                      **data)

    @editor_required
    @api_blp.arguments(ProductUpdateSchema)
    @api_blp.response(200, ProductSchema)
    def patch(self, data, product_id):
        """Change some of a product's fields"""
        return catalog.update_product(catalog.get_product(current_account(), product_id), actor=current_user(),
                                      **data)

    @editor_required
    @api_blp.response(204)
    def delete(self, product_id):
        """Delete a product no store stocks (409 otherwise)"""
        catalog.delete_product(catalog.get_product(current_account(), product_id), actor=current_user())


@api_blp.route("/stores")
class Stores(MethodView):
    @viewer_required
    @api_blp.arguments(StoreQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(StoreSchema, "stores"))
    def get(self, args):
        """List stores"""
        return page_response(stores.list_stores(current_account(), **args), "stores")

    @editor_required
    @api_blp.arguments(StoreCreateSchema)
    @api_blp.response(201, StoreSchema)
    def post(self, data):
        """Create a store at a location (a point) in a time zone"""
        return stores.create_store(current_account(), actor=current_user(), **data)


@api_blp.route("/stores/<store_id>")
class StoreById(MethodView):
    @viewer_required
    @api_blp.response(200, StoreSchema)
    def get(self, store_id):
        """One store"""
        return stores.get_store(current_account(), store_id)

    @editor_required
    @api_blp.arguments(StoreUpdateSchema)
    @api_blp.response(200, StoreSchema)
    def put(self, data, store_id):
        """Change a store"""
        return stores.update_store(stores.get_store(current_account(), store_id), actor=current_user(), **data)

    @editor_required
    @api_blp.arguments(StoreUpdateSchema)
    @api_blp.response(200, StoreSchema)
    def patch(self, data, store_id):
        """Change some of a store's fields"""
        return stores.update_store(stores.get_store(current_account(), store_id), actor=current_user(), **data)

    @editor_required
    @api_blp.response(204)
    def delete(self, store_id):
        """Delete a store that stocks nothing (409 otherwise)"""
        stores.delete_store(stores.get_store(current_account(), store_id), actor=current_user())


@api_blp.route("/store-products")
class StoreProducts(MethodView):
    @viewer_required
    @api_blp.arguments(StoreProductQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(StoreProductSchema, "store_products"))
    def get(self, args):
        """List store products (filter by store or product)"""
        return page_response(stores.list_store_products(current_account(), **args), "store_products")

    @editor_required
    @api_blp.arguments(StoreProductCreateSchema)
    @api_blp.response(201, StoreProductSchema)
    def post(self, data):
        """Stock a product in a store (once per store and product; 409 otherwise)"""
        return stores.create_store_product(current_account(), actor=current_user(), **data)


@api_blp.route("/store-products/<store_product_id>")
class StoreProductById(MethodView):
    @viewer_required
    @api_blp.response(200, StoreProductSchema)
    def get(self, store_product_id):
        """One store product"""
        return stores.get_store_product(current_account(), store_product_id)

    @editor_required
    @api_blp.arguments(StoreProductUpdateSchema)
    @api_blp.response(200, StoreProductSchema)
    def put(self, data, store_product_id):
        """Set a store product's free stock or base price"""
        item = stores.get_store_product(current_account(), store_product_id)
        return stores.update_store_product(item, actor=current_user(), **data)

    @editor_required
    @api_blp.arguments(StoreProductUpdateSchema)
    @api_blp.response(200, StoreProductSchema)
    def patch(self, data, store_product_id):
        """Set a store product's free stock or base price"""
        item = stores.get_store_product(current_account(), store_product_id)
        return stores.update_store_product(item, actor=current_user(), **data)

    @editor_required
    @api_blp.response(204)
    def delete(self, store_product_id):
        """Remove a product from a store (409 while promos use it)"""
        stores.delete_store_product(stores.get_store_product(current_account(), store_product_id),
                                    actor=current_user())


@api_blp.route("/store-products/<store_product_id>/adjust")
class StoreProductAdjust(MethodView):
    @editor_required
    @api_blp.arguments(StockAdjustSchema)
    @api_blp.response(200, StoreProductSchema)
    def post(self, data, store_product_id):
        """Add or remove free stock (`delta`, with a reason); never below what is held (409)"""
        item = stores.get_store_product(current_account(), store_product_id)
        return stores.adjust_stock(item, actor=current_user(), **data)
