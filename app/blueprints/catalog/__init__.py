"""Catalog: products, stores and what each store stocks."""
